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
			Options []string `json:"options,omitempty"` // the buttons' titles, as the visitor reads them
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
			titles := w.buttonTitles(conv)
			for _, e := range st.Entries {
				en := entry{Role: names[e.Role], Text: e.Text, Offers: e.Offers}
				for _, o := range e.Offers {
					en.Options = append(en.Options, titles[o])
				}
				out.Entries = append(out.Entries, en)
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

// buttonTitles maps the choices of the conversation's buttons to their titles (the newest wins),
// in the language the bot wrote them.
func (w *world) buttonTitles(conv string) map[string]string {
	out := map[string]string{}
	raw, ok := w.s.ConversationJSON(conv, true)
	if !ok {
		return out
	}
	var c conversation
	if json.Unmarshal(raw, &c) != nil {
		return out
	}
	snap, _ := w.reader.build(&c)
	for _, m := range snap.Messages {
		for _, b := range m.Buttons {
			out[b.Value] = b.Title
		}
	}
	return out
}

const sandboxHTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>handover sandbox: a simulated Intercom</title>
<style>body{font:14px system-ui,sans-serif;margin:1em;color:#222}h1{font-size:18px;margin:0 0 .2em}.intro{color:#555;margin:0 0 1em}
main{display:flex;gap:2em}section{flex:1;min-width:0}.log div{margin:.3em 0;padding:.45em .6em;border-radius:8px;white-space:pre-wrap}
.visitor{background:#e8f0fe;margin-left:3em!important}.bot{background:#f1f1f1;margin-right:3em!important}.agent{background:#e6f4ea;margin-right:3em!important}
.note{background:#fff4d6;font-size:12px}.other{color:#888;font-size:12px}.who{font-size:11px;color:#666;display:block}
button{margin:.2em .3em .2em 0}#status{font-weight:600}.empty{color:#888}</style></head>
<body><h1>A simulated Intercom</h1>
<p class="intro">Left: the visitor's Messenger. Right: the team's inbox (team Support: Alice, Bob is away) with the private notes only agents see.
Handover's own agent pages (bot chats, "Stop chatbot and join"): <a href="/agent/" target="_blank">/agent/</a>.
Try "How long does shipping take?", then "I want to talk to a human"; set Alice away to see the offline message.</p>
<main><section><h2>Visitor (Messenger)</h2><div id="visitor" class="log"></div>
<form onsubmit="act('send',this.t.value);this.t.value='';return false"><input name="t" size="50" placeholder="Write a message" autofocus><button>Send</button></form></section>
<section><h2>Inbox (team Support)</h2><p id="status"></p><div id="inbox" class="log"></div>
<form onsubmit="act('agent',this.t.value);this.t.value='';return false"><input name="t" size="40" placeholder="Reply as Alice (takes over from the bot)"><button>Reply</button></form>
<p><button onclick="act('away','on')">Alice away</button> <button onclick="act('away','off')">Alice available</button></p></section></main>
<script>
const who={visitor:"Visitor",bot:"Bot",agent:"Alice",note:"Note for agents",other:""};
async function act(a,t){const r=await fetch('/sandbox/'+a,{method:'POST',body:new URLSearchParams({text:t})});if(!r.ok)alert(await r.text());refresh()}
function line(e,buttons){const d=document.createElement('div');d.className=e.role;const w=document.createElement('span');w.className='who';w.textContent=who[e.role]||'';d.append(w,e.text);
if(buttons){(e.offers||[]).forEach((o,i)=>{const b=document.createElement('button');b.textContent=(e.options||[])[i]||o;b.onclick=()=>act('choose',o);d.append(document.createElement('br'),b)})}return d}
async function refresh(){const s=await (await fetch('/sandbox/state')).json();const v=document.getElementById('visitor'),ib=document.getElementById('inbox');v.innerHTML='';ib.innerHTML='';
const es=s.entries||[];const lastBot=es.map(e=>e.role).lastIndexOf('bot');
es.forEach((e,i)=>{if(e.role!=='note'&&e.role!=='other')v.append(line(e,i===lastBot));ib.append(line(e,false))});
if(!es.length)v.innerHTML='<p class="empty">Write a message to start a conversation.</p>';
document.getElementById('status').textContent=s.conversation?('Conversation '+s.conversation+(s.offline?': offline message filed':s.with_human?': with the team':': with the bot')):'No conversation yet'}
setInterval(refresh,1000);refresh();
</script></body></html>`
