package intercom

import (
	"encoding/json"
	"net/http"
	"strings"
)

// The sandbox page: a visitor's Messenger on the left (messages and quick-reply buttons), the
// team's inbox on the right (Alice's replies, her away switch), polling the simulated
// workspace. It is served at / and /sandbox/ beside the API; "handover load" and the kit never
// use it.

// pageHandler wraps the simulator's API with the sandbox page.
func (w *world) pageHandler(api http.Handler) http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = rw.Write([]byte(sandboxHTML))
	})
	m.HandleFunc("GET /sandbox/state", func(rw http.ResponseWriter, r *http.Request) {
		conv := w.s.OpenConversation(w.s.Contact("visitor"))
		type entry struct {
			Role    string   `json:"role"`
			Text    string   `json:"text"`
			Offers  []string `json:"offers,omitempty"`
			Options []string `json:"options,omitempty"`
		}
		out := struct {
			Conversation string  `json:"conversation"`
			WithHuman    bool    `json:"with_human"`
			Offline      bool    `json:"offline"`
			Entries      []entry `json:"entries"`
		}{Conversation: conv}
		if conv != "" {
			st := w.State(conv)
			out.WithHuman, out.Offline = st.WithHuman, st.Offline
			names := []string{"other", "visitor", "bot", "agent", "note"}
			for _, e := range st.Entries {
				out.Entries = append(out.Entries, entry{Role: names[e.Role], Text: e.Text, Offers: e.Offers})
			}
		}
		rw.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(rw).Encode(out)
	})
	m.HandleFunc("POST /sandbox/{action}", func(rw http.ResponseWriter, r *http.Request) {
		text := strings.TrimSpace(r.FormValue("text"))
		contact := w.s.Contact("visitor")
		conv := w.s.OpenConversation(contact)
		var err error
		switch r.PathValue("action") {
		case "send":
			if text != "" {
				_, err = w.Send(r.Context(), "visitor", text)
			}
		case "choose":
			if conv != "" {
				err = w.Choose(r.Context(), conv, text)
			}
		case "agent":
			if conv != "" && text != "" {
				err = w.AgentReply(r.Context(), conv, text)
			}
		case "away":
			w.s.SetAway(w.demo.AliceID, text == "on")
		case "close":
			if conv != "" {
				err = w.s.Assign(conv, w.demo.AliceID, "admin", "0")
			}
		default:
			http.NotFound(rw, r)
			return
		}
		if err != nil {
			http.Error(rw, err.Error(), http.StatusBadRequest)
			return
		}
		rw.WriteHeader(http.StatusNoContent)
	})
	m.Handle("/", api)
	return m
}

const sandboxHTML = `<!doctype html><html><head><meta charset="utf-8"><title>handover sandbox: Intercom</title>
<style>body{font:14px sans-serif;display:flex;gap:2em;margin:1em}section{flex:1}#log div{margin:.3em 0;padding:.4em;border-radius:6px}
.visitor{background:#e8f0fe}.bot{background:#eee}.agent{background:#e6f4ea}.note{background:#fff4d6;font-size:12px;white-space:pre-wrap}.other{color:#888;font-size:12px}</style></head>
<body><section><h2>Visitor (Messenger)</h2><div id="log"></div>
<form onsubmit="act('send',this.t.value);this.t.value='';return false"><input name="t" size="50" placeholder="Write a message"><button>Send</button></form></section>
<section><h2>Inbox (team Support)</h2><p id="status"></p>
<form onsubmit="act('agent',this.t.value);this.t.value='';return false"><input name="t" size="40" placeholder="Reply as Alice"><button>Reply</button></form>
<p><button onclick="act('away','on')">Alice away</button> <button onclick="act('away','off')">Alice available</button></p></section>
<script>
const labels={handover_request:"Request chat with human agent",offline_message:"Leave an offline message",continue_bot:"Continue with the bot"};
async function act(a,t){await fetch('/sandbox/'+a,{method:'POST',body:new URLSearchParams({text:t})});refresh()}
async function refresh(){const s=await (await fetch('/sandbox/state')).json();const log=document.getElementById('log');log.innerHTML='';
for(const e of s.entries||[]){const d=document.createElement('div');d.className=e.role;d.textContent=(e.role==='note'?'Note: ':'')+e.text;
for(const o of e.offers||[]){const b=document.createElement('button');b.textContent=labels[o]||o;b.onclick=()=>act('choose',o);d.append(' ',b)}log.append(d)}
document.getElementById('status').textContent='conversation '+(s.conversation||'(none)')+(s.with_human?' · with the team':'')+(s.offline?' · offline message':'')}
setInterval(refresh,1000);refresh();
</script></body></html>`
