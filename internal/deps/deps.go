// Package deps pins the module's third-party dependencies during bootstrap.
package deps

import (
	_ "github.com/chromedp/chromedp"
	_ "github.com/hashicorp/go-retryablehttp"
	_ "github.com/kelseyhightower/envconfig"
	_ "github.com/labstack/echo/v4"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/tmc/langchaingo/llms/anthropic"
	_ "github.com/tmc/langchaingo/llms/openai"
)
