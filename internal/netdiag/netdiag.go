// Package netdiag says in a few words why an HTTP request got no answer, for the lines an
// administrator reads (start-up checks, handover doctor): never the URL, never a secret.
package netdiag

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
)

// Describe says in a few words why a request got no answer: "connection refused",
// "no such host example.invalid", "no answer within 10s", "TLS certificate not trusted"...
// The text never holds the URL.
func Describe(ctx context.Context, err error) string {
	var dns *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var certInvalid x509.CertificateInvalidError
	var recordHeader tls.RecordHeaderError
	var netErr net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return "no such host " + dns.Name
		}
		return "DNS lookup of " + dns.Name + " failed"
	case errors.As(err, &unknownCA):
		return "TLS certificate signed by an unknown authority"
	case errors.As(err, &hostErr):
		return "TLS certificate is not valid for this host"
	case errors.As(err, &certInvalid):
		return "TLS certificate is not valid (expired?)"
	case errors.As(err, &recordHeader):
		return "the server does not speak TLS (try http://)"
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return "the server does not speak TLS (try http://)"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed without an answer"
	case errors.Is(err, context.Canceled) || ctx.Err() == context.Canceled:
		return "check canceled"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		return "no answer in time"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "host unreachable"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return OneLine(err.Error())
}

// OneLine keeps a message to one short line: spaces collapsed, at most 200 bytes.
func OneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// Sentence words a failed check in one line: "<problem> at <where> (<detail>): <fix>", each
// part left out when empty (detail trimmed).
func Sentence(problem, where, detail, fix string) string {
	s := problem
	if where != "" {
		s += " at " + where
	}
	if d := strings.TrimSpace(detail); d != "" {
		s += " (" + d + ")"
	}
	if fix != "" {
		s += ": " + fix
	}
	return s
}
