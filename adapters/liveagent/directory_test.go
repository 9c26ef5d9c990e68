package liveagent

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/handover-dev/handover/adapters/sim"
	"github.com/handover-dev/handover/handover"
)

// departmentNamer is agentui.DepartmentNamer (the adapter does not import the pages).
type departmentNamer interface {
	DepartmentNames(ctx context.Context) (map[string]string, error)
}

var _ departmentNamer = (*Adapter)(nil)

// directoryCalls counts the API calls of one Conversations call by kind.
func directoryCalls(calls []sim.Call) (lists, messages, tickets, others int) {
	for _, c := range calls {
		switch {
		case c.Method == http.MethodGet && c.Path == "/api/v3/tickets":
			lists++
		case c.Method == http.MethodGet && strings.HasSuffix(c.Path, "/messages"):
			messages++
		case c.Method == http.MethodGet && strings.HasPrefix(c.Path, "/api/v3/tickets/"):
			tickets++
		default:
			others++
		}
	}
	return
}

func TestContractDirectoryListsHandedOverAndOfflineChats(t *testing.T) {
	e := newEnv(t)
	withBot := e.visitor("a", "still talking to the bot")

	queued := e.visitor("b", "I need a person")
	if err := e.a.HandToHuman(e.ctx(), e.load(queued), handover.Handoff{Reason: handover.ReasonRequest, Summary: "Wants a person."}); err != nil {
		t.Fatal(err)
	}

	taken := e.visitor("c", "a person please")
	if err := e.a.HandToHuman(e.ctx(), e.load(taken), handover.Handoff{Reason: handover.ReasonRequest, Summary: "Wants a person."}); err != nil {
		t.Fatal(err)
	}
	if err := e.la.AgentTake(e.ctx(), taken, e.demo.Alice); err != nil {
		t.Fatal(err)
	}

	offline := e.visitor("d", "anyone there?")
	c := e.load(offline)
	if err := e.a.LeaveOffline(e.ctx(), c, handover.Handoff{Reason: handover.ReasonButton, Summary: "Refund.", Email: "d@example.com", Transcript: c.Transcript()}); err != nil {
		t.Fatal(err)
	}

	// An offline message after the chat ended is a new ticket in Support, tagged.
	ended := e.visitor("f", "my parcel is lost")
	c = e.load(ended)
	if err := e.la.VisitorLeave(e.ctx(), ended); err != nil {
		t.Fatal(err)
	}
	if err := e.a.LeaveOffline(e.ctx(), c, handover.Handoff{Reason: handover.ReasonButton, Summary: "Lost parcel.", Email: "f@example.com", Transcript: c.Transcript()}); err != nil {
		t.Fatal(err)
	}
	all := e.la.Tickets()
	filed := all[len(all)-1].ID
	if filed == ended {
		t.Fatal("no ticket filed for the ended chat")
	}

	// A chat of Support the bot never touched: same queue, not the bot's business.
	human, _, err := e.la.VisitorSend(e.ctx(), e.demo.SupportDepartment, "human-only", "hello?")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.la.AgentTake(e.ctx(), human, e.demo.Bob); err != nil {
		t.Fatal(err)
	}
	if err := e.la.WaitIdle(e.ctx()); err != nil {
		t.Fatal(err)
	}

	e.la.ResetCalls()
	convs, err := e.a.Conversations(e.ctx())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]handover.State{}
	for _, c := range convs {
		got[c.ID] = c.State
	}
	want := map[string]handover.State{
		withBot: handover.StateBot, queued: handover.StateQueued, taken: handover.StateAgent,
		offline: handover.StateOffline, filed: handover.StateOffline,
	}
	for id, st := range want {
		if got[id] != st {
			t.Errorf("ticket %s: state %q, want %q (listed: %v)", id, got[id], st, got)
		}
	}
	if _, ok := got[human]; ok || len(got) != len(want) {
		t.Errorf("listed %v, want exactly %v", got, want)
	}
	for _, c := range convs {
		if c.ID == taken && c.AgentName != "Alice" {
			t.Errorf("taken chat: agent %q", c.AgentName)
		}
		if c.ID == queued && c.Department != e.demo.SupportDepartment {
			t.Errorf("queued chat in department %q", c.Department)
		}
	}

	// Two lists, one read of messages per listed chat (the bot's and Support's open tickets
	// of the last day: 6 here), no ticket reads; the agent directory and the tag ids were
	// cached by the turns above.
	lists, messages, tickets, others := directoryCalls(e.la.Calls())
	if lists != 2 || messages != 6 || tickets != 0 || others != 0 {
		t.Fatalf("calls: %d lists, %d message reads, %d ticket reads, %d others; want 2, 6, 0, 0: %+v",
			lists, messages, tickets, others, e.la.Calls())
	}
	for _, cl := range e.la.Calls() {
		if cl.Status != http.StatusOK {
			t.Fatalf("call %s %s?%s answered %d", cl.Method, cl.Path, cl.Query, cl.Status)
		}
	}
}

func TestContractDirectoryRequestsAreBounded(t *testing.T) {
	e := newEnv(t)
	for i := range maxDirectory + 10 {
		e.visitor("bot-"+string(rune('a'+i)), "hi")
	}
	var handed []string
	for i := range maxDirectory {
		id := e.visitor("queue-"+string(rune('a'+i)), "a person please")
		if err := e.a.HandToHuman(e.ctx(), e.load(id), handover.Handoff{Reason: handover.ReasonRequest, Summary: "Wants a person."}); err != nil {
			t.Fatal(err)
		}
		handed = append(handed, id)
	}
	if err := e.la.WaitIdle(e.ctx()); err != nil {
		t.Fatal(err)
	}
	// A fresh adapter: cold caches cost at most GET /agents and GET /tags once.
	a, err := New(e.a.cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.la.ResetCalls()
	convs, err := a.Conversations(e.ctx())
	if err != nil {
		t.Fatal(err)
	}
	lists, messages, tickets, others := directoryCalls(e.la.Calls())
	if lists != 2 || messages != maxDirectory || tickets != 0 || others > 2 {
		t.Fatalf("calls: %d lists, %d message reads, %d ticket reads, %d others; want 2, %d, 0, ≤2",
			lists, messages, tickets, others, maxDirectory)
	}
	if len(convs) != maxDirectory {
		t.Fatalf("%d chats listed, want %d", len(convs), maxDirectory)
	}
	// The queue is not hidden by the crowd of bot chats: half the places are its.
	counts := map[handover.State]int{}
	for _, c := range convs {
		counts[c.State]++
	}
	if counts[handover.StateBot] != maxDirectory/2 || counts[handover.StateQueued] != maxDirectory/2 {
		t.Fatalf("states %v, want half with the bot, half queued", counts)
	}
}

func TestContractDepartmentNames(t *testing.T) {
	e := newEnv(t)
	e.la.ResetCalls()
	names, err := e.a.DepartmentNames(e.ctx())
	if err != nil {
		t.Fatal(err)
	}
	if names[e.demo.SupportDepartment] != "Support" || names[e.demo.BotDepartment] != "Chatbot" {
		t.Fatalf("names %v", names)
	}
	if n := len(e.la.Calls()); n != 1 {
		t.Fatalf("%d calls, want one GET /api/v3/departments", n)
	}
}

func TestPickDirectory(t *testing.T) {
	tk := func(n int, p string) []ticket {
		out := make([]ticket, n)
		for i := range out {
			out[i].ID = flexString(p + string(rune('a'+i)))
		}
		return out
	}
	for _, c := range []struct{ mine, others, wantMine, wantOthers int }{
		{0, 0, 0, 0}, {3, 4, 3, 4}, {30, 2, 18, 2}, {2, 30, 2, 18}, {30, 30, 10, 10}, {12, 12, 10, 10}, {20, 0, 20, 0},
	} {
		got := pickDirectory(tk(c.mine, "m"), tk(c.others, "o"), 20)
		m, o := 0, 0
		for _, t := range got {
			if strings.HasPrefix(t.ID.String(), "m") {
				m++
			} else {
				o++
			}
		}
		if m != c.wantMine || o != c.wantOthers {
			t.Errorf("pick(%d, %d) = %d mine, %d others; want %d, %d", c.mine, c.others, m, o, c.wantMine, c.wantOthers)
		}
	}
}
