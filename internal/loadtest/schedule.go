package loadtest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// arrival is one visitor message of the schedule.
type arrival struct {
	at      time.Duration // since the start of the run
	visitor int           // index into the schedule's visitors
	text    string
}

// schedule is the open-loop arrival plan of a run: the same for the
// reference and the service.
type schedule struct {
	arrivals []arrival // by time
	visitors []string  // visitor keys (contact names in the sim)
}

// questions are what visitors ask: shop questions that no human-request
// detector mistakes for a request for a person.
var questions = []string{
	"How long does shipping take?", "What payment methods do you accept?", "How do I return an item?",
	"When are you open on Saturdays?", "How can I track my order?", "What does the warranty cover?",
	"Do you ship to Canada?", "Can I change the size of my order?", "Is the tent waterproof?",
}

// newSchedule plans the arrivals. Visitors start as a Poisson process of
// rate Rate/Messages, so messages arrive at Rate a second on average; each
// visitor writes Messages messages Gap apart (±25%, uniform). The process is
// stationary over the window: visitors who started before it contribute
// their later messages, visitors near its end only their first ones, and
// only messages inside [0, Duration) are sent.
func newSchedule(o Options) schedule {
	rng := rand.New(rand.NewPCG(o.Seed, 0x10adbeef))
	perVisitor := o.Rate / float64(o.Messages)
	lead := time.Duration(o.Messages-1) * (o.Gap + o.Gap/4)
	var s schedule
	t := -lead
	for {
		t += time.Duration(rng.ExpFloat64() / perVisitor * float64(time.Second))
		if t >= o.Duration {
			break
		}
		at, v := t, -1
		for j := 0; j < o.Messages; j++ {
			if j > 0 {
				at += o.Gap*3/4 + time.Duration(rng.Int64N(int64(o.Gap/2)+1))
			}
			if at < 0 {
				continue
			}
			if at >= o.Duration {
				break
			}
			if v < 0 {
				v = len(s.visitors)
				s.visitors = append(s.visitors, fmt.Sprintf("load-visitor-%05d", v))
			}
			s.arrivals = append(s.arrivals, arrival{at: at, visitor: v, text: questions[(v+j)%len(questions)]})
		}
	}
	slices.SortStableFunc(s.arrivals, func(a, b arrival) int { return int(a.at - b.at) })
	return s
}
