// Package llmtest is a scripted OpenAI-compatible chat completions server for
// tests. It listens on real HTTP (httptest), answers POST
// /v1/chat/completions with replies queued by the test, and records every
// request it receives, decoded, so tests can assert on what a client sent.
//
// Point langchaingo's openai provider at it with
// openai.WithBaseURL(srv.URL()) and any non-empty token.
package llmtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// maxBody caps a request body the server reads.
const maxBody = 8 << 20

// Server is a scripted OpenAI-compatible test server. It is safe for
// concurrent use.
type Server struct {
	srv *httptest.Server

	mu       sync.Mutex
	queue    []Reply
	def      func(Request) Reply
	requests []Request
	seq      int
}

// Reply scripts one answer of the server.
type Reply struct {
	// Text is the assistant message content.
	Text string
	// ToolCalls are returned as the assistant's tool_calls, with
	// finish_reason "tool_calls".
	ToolCalls []ToolCall
	// Status, when non-zero, makes the server answer with this HTTP status
	// and an OpenAI-style error body (Text, if set, is the error message).
	Status int
	// RetryAfter, with Status, is sent as the Retry-After header (e.g. "2").
	RetryAfter string
	// Delay is how long the server waits before answering. A client that
	// cancels its request ends the wait.
	Delay time.Duration
	// RawBody, if set, is written verbatim with status 200 (for broken JSON tests).
	RawBody string
}

// ToolCall is one function call of a scripted reply, or of an assistant
// message in a recorded request.
type ToolCall struct {
	ID        string
	Name      string
	Arguments string
}

// Request is one chat completion request the server received, decoded.
type Request struct {
	Model    string
	Messages []RequestMessage
	// Tools are the names of the functions offered to the model.
	Tools []string
	// Stream reports whether the client asked for a streamed answer.
	Stream bool
	// Header is a copy of the request's HTTP header.
	Header http.Header
}

// RequestMessage is one message of a recorded request.
type RequestMessage struct {
	Role       string
	Content    string // text parts are joined with "\n"
	ToolCallID string
	Name       string
	ToolCalls  []ToolCall
}

// New starts a server. Close it when done (t.Cleanup(srv.Close)).
func New() *Server {
	s := &Server{}
	s.srv = serve("POST /v1/chat/completions", s.chat)
	return s
}

// serve starts a test server answering pattern with h and anything else with OpenAI's 404.
func serve(pattern string, h http.HandlerFunc) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc(pattern, h)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "invalid_request_error", "unknown_url",
			fmt.Sprintf("Unknown request URL: %s %s.", r.Method, r.URL.Path))
	})
	return httptest.NewServer(mux)
}

// URL returns the base URL clients use, including "/v1".
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Enqueue appends scripted replies, answered in order, one per request.
func (s *Server) Enqueue(r ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, r...)
}

// SetDefault sets the function that answers when the queue is empty. Without
// one, the server answers with the text "OK".
func (s *Server) SetDefault(f func(req Request) Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.def = f
}

// Requests returns a copy of every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	copy(out, s.requests)
	return out
}

// wireRequest is the subset of the OpenAI chat request the server reads.
type wireRequest struct {
	Model    string        `json:"model"`
	Messages []wireMessage `json:"messages"`
	Tools    []struct {
		Type     string `json:"type"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	} `json:"tools"`
	Stream bool `json:"stream"`
}

type wireMessage struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	Name       string          `json:"name"`
	ToolCallID string          `json:"tool_call_id"`
	ToolCalls  []wireToolCall  `json:"tool_calls"`
}

type wireToolCall struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

// contentText decodes a message content that is a string, null, or an array
// of parts ({"type":"text","text":...}).
func contentText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", err
	}
	texts := make([]string, 0, len(parts))
	for _, p := range parts {
		if p.Type == "text" {
			texts = append(texts, p.Text)
		}
	}
	return strings.Join(texts, "\n"), nil
}

func decode(body []byte, h http.Header) (Request, error) {
	var wr wireRequest
	if err := json.Unmarshal(body, &wr); err != nil {
		return Request{}, fmt.Errorf("decode request body: %w", err)
	}
	req := Request{Model: wr.Model, Stream: wr.Stream, Header: h.Clone()}
	for i, m := range wr.Messages {
		text, err := contentText(m.Content)
		if err != nil {
			return Request{}, fmt.Errorf("decode content of message %d: %w", i, err)
		}
		rm := RequestMessage{Role: m.Role, Content: text, ToolCallID: m.ToolCallID, Name: m.Name}
		for _, tc := range m.ToolCalls {
			rm.ToolCalls = append(rm.ToolCalls, ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
		}
		req.Messages = append(req.Messages, rm)
	}
	for _, t := range wr.Tools {
		req.Tools = append(req.Tools, t.Function.Name)
	}
	return req, nil
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "could not read the request body")
		return
	}
	req, err := decode(body, r.Header)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "We could not parse the JSON body of your request: "+err.Error())
		return
	}

	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.seq++
	seq := s.seq
	s.mu.Unlock()

	auth := r.Header.Get("Authorization")
	if token, ok := strings.CutPrefix(auth, "Bearer "); !ok || strings.TrimSpace(token) == "" {
		writeError(w, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key",
			"You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
		return
	}
	if req.Stream {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "unsupported_value",
			"llmtest: streaming is not supported")
		return
	}

	reply := s.next(req)
	if reply.Delay > 0 {
		t := time.NewTimer(reply.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	switch {
	case reply.Status != 0:
		msg := reply.Text
		if msg == "" {
			msg = http.StatusText(reply.Status)
		}
		if reply.RetryAfter != "" {
			w.Header().Set("Retry-After", reply.RetryAfter)
		}
		typ := "invalid_request_error"
		if reply.Status >= 500 {
			typ = "server_error"
		}
		writeError(w, reply.Status, typ, "", msg)
	case reply.RawBody != "":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, reply.RawBody)
	default:
		writeJSON(w, http.StatusOK, completion(seq, req.Model, reply))
	}
}

// next pops the next scripted reply, or asks the default.
func (s *Server) next(req Request) Reply {
	s.mu.Lock()
	if len(s.queue) > 0 {
		r := s.queue[0]
		s.queue = s.queue[1:]
		s.mu.Unlock()
		return r
	}
	def := s.def
	s.mu.Unlock()
	if def != nil {
		return def(req)
	}
	return Reply{Text: "OK"}
}

type respToolCall struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

type respMessage struct {
	Role      string         `json:"role"`
	Content   *string        `json:"content"`
	ToolCalls []respToolCall `json:"tool_calls,omitempty"`
	Refusal   *string        `json:"refusal"`
}

type respChoice struct {
	Index        int         `json:"index"`
	Message      respMessage `json:"message"`
	Logprobs     any         `json:"logprobs"`
	FinishReason string      `json:"finish_reason"`
}

type respUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

type response struct {
	ID                string       `json:"id"`
	Object            string       `json:"object"`
	Created           int64        `json:"created"`
	Model             string       `json:"model"`
	Choices           []respChoice `json:"choices"`
	Usage             respUsage    `json:"usage"`
	SystemFingerprint string       `json:"system_fingerprint"`
}

func completion(seq int, model string, r Reply) response {
	msg := respMessage{Role: "assistant"}
	finish := "stop"
	if len(r.ToolCalls) > 0 {
		finish = "tool_calls"
		if r.Text != "" {
			msg.Content = &r.Text
		}
		for i, tc := range r.ToolCalls {
			id := tc.ID
			if id == "" {
				id = fmt.Sprintf("call_%d_%d", seq, i)
			}
			var c respToolCall
			c.ID, c.Type = id, "function"
			c.Function.Name, c.Function.Arguments = tc.Name, tc.Arguments
			msg.ToolCalls = append(msg.ToolCalls, c)
		}
	} else {
		text := r.Text
		msg.Content = &text
	}
	completionTokens := (len(r.Text) + 3) / 4
	return response{
		ID:      fmt.Sprintf("chatcmpl-llmtest-%d", seq),
		Object:  "chat.completion",
		Created: time.Now().Unix(),
		Model:   model,
		Choices: []respChoice{{Index: 0, Message: msg, FinishReason: finish}},
		Usage: respUsage{
			PromptTokens:     10,
			CompletionTokens: completionTokens,
			TotalTokens:      10 + completionTokens,
		},
		SystemFingerprint: "fp_llmtest",
	}
}

func writeError(w http.ResponseWriter, status int, typ, code, msg string) {
	var c any
	if code != "" {
		c = code
	}
	writeJSON(w, status, map[string]any{
		"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": c},
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
