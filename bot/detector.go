package bot

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/handover-dev/handover/handover"
)

// IsHumanRequest reports whether text is the visitor asking to talk to a human (an
// agent, an operator, customer service, a real person). It is the deterministic safety
// net next to the model's request_human_agent tool, so a weak model never traps a
// visitor. It knows more than 40 languages (lexicon in detector_lexicon*.go), ignores
// case, diacritics, punctuation and repeated letters, forgives one typo in a longer word,
// and does not fire on questions about agents ("are your agents available on
// weekends?", "is this a human?"), on staff roles in product questions ("can the admin
// role edit invoices?"), on negated requests ("I don't need a human, just tell me...")
// or on reported ones ("my friend said I should ask for an agent").
//
// How it decides (docs/judgment.md): the normalised text is split into clauses at
// punctuation; a clause asks for a person when it holds a person ("agent", "人工",
// "someone" only beside a verb of talking) within a few words of a verb of talking or of
// wishing ("talk to", "connect me", "I want", "转"), and holds no negation of the wish and
// no question about people, or when it is nothing but a person and polite filler
// ("human please", "live agent", "人工客服").
//
// A long message is judged by its first and last kilobyte, which bounds the work per
// message (the rules are quadratic in the entries found).
func IsHumanRequest(text string) bool {
	if len(text) > 2*maxJudged {
		head, tail := maxJudged, len(text)-maxJudged
		for head > 0 && !utf8.RuneStart(text[head]) {
			head--
		}
		for tail < len(text) && !utf8.RuneStart(text[tail]) {
			tail++
		}
		return isHumanRequest(text[:head]) || isHumanRequest(text[tail:])
	}
	return isHumanRequest(text)
}

// maxJudged is how much of each end of a long message is judged.
const maxJudged = 1024

func isHumanRequest(text string) bool {
	d := getDetector()
	var buf [512]byte
	t := normalize(buf[:0], text, true)
	if len(t) < 3 {
		return false
	}
	var arr [64]match
	ms := d.auto.scan(t, arr[:0])
	if len(ms) == 0 {
		return false
	}
	if decide(t, ms) {
		return true
	}
	// One typo in a person ("talk to a humna", "connect me to an agnet"): look again with
	// the words one edit away from a person, when the rest of a request is there.
	// Only where a verb waits for a person, or in a short message ("humn pls").
	var has class
	for i := range ms {
		has |= ms[i].cls
	}
	if has&(clsTalk|clsWant) == 0 && (len(t) > 40 || has&(clsPerson|clsSomeone|clsFiller) == 0) {
		return false
	}
	n := len(ms)
	ms = d.fuzzyMatches(t, ms)
	return len(ms) > n && decide(t, ms)
}

// window is how many words may stand between a person and the verb that asks for them
// ("connect me with a member of your support staff").
const window = 6

// decide applies the rules to the matches found in t.
func decide(t []byte, ms []match) bool {
	// Entries that overlap a clsNot entry do not count ("agent account", "human resources",
	// "my staff members").
	for i := range ms {
		if ms[i].cls&clsNot == 0 {
			continue
		}
		for j := range ms {
			if j != i && ms[j].start < ms[i].end && ms[j].end > ms[i].start && ms[j].cls&clsNot == 0 {
				ms[j].dead = true
			}
		}
	}
	for i := range ms {
		p := &ms[i]
		if p.dead || p.cls&(clsPerson|clsSomeone) == 0 {
			continue
		}
		blk := -1 // blocked(ms, p.clause), once known
		for j := range ms {
			v := &ms[j]
			if j == i || v.dead || v.clause != p.clause || v.cls&(clsTalk|clsWant) == 0 {
				continue
			}
			if p.cls&clsPerson == 0 && v.cls&clsTalk == 0 {
				continue // "I need someone to fix my tent"
			}
			if v.cls&(clsTalk|clsFree) == 0 && v.start > p.start {
				continue // "my manager wants an invoice": a person before a wish is its subject
			}
			if (v.start < p.start && v.end > p.end) || (p.start < v.start && p.end > v.end) {
				continue // one inside the other
			}
			if dist(p, v) > window {
				continue
			}
			if blk < 0 {
				blk = 0
				if blocked(ms, p.clause) {
					blk = 1
				}
			}
			if blk == 1 {
				break
			}
			if negated(ms, p, v) {
				continue
			}
			return true
		}
	}
	return bare(t, ms)
}

// dist is the number of words between two matches (0 when they touch or overlap).
func dist(a, b *match) int32 {
	switch {
	case a.w1 < b.w0:
		return b.w0 - a.w1 - 1
	case b.w1 < a.w0:
		return a.w0 - b.w1 - 1
	}
	return 0
}

// blocked reports a question about people, a report or a product role in the clause, or
// a report in the clause before ("my friend said, I should talk to an agent").
//
// An obligation with a purpose is a question of procedure: "¿Tengo que hablar con un agente
// para cancelar?".
func blocked(ms []match, clause int32) bool {
	var has class
	for i := range ms {
		m := &ms[i]
		if m.dead {
			continue
		}
		if m.clause == clause && m.cls&clsBlock != 0 || m.clause == clause-1 && m.cls&clsReport != 0 {
			return true
		}
		if m.clause == clause {
			has |= m.cls
		}
	}
	return has&(clsMust|clsFor) == clsMust|clsFor
}

// negated reports a negation of the wish for p asked by v: a negation in the clause
// before the later of the two (or anywhere, in a verb-final language), unless what it
// negates is the bot ("not a bot", "no bots", "봇 말고").
func negated(ms []match, p, v *match) bool {
	last := max(p.start, v.start)
	for i := range ms {
		n := &ms[i]
		if n.dead || n.clause != p.clause || n.cls&clsNeg == 0 {
			continue
		}
		if n.start >= last && n.cls&clsPost == 0 {
			continue
		}
		if negatesBot(ms, n, p) {
			continue
		}
		return true
	}
	return false
}

// negatesBot reports that the bot comes right after the negation n, before p, or right
// before a post-verbal negation ("봇 말고 사람", "not a bot").
func negatesBot(ms []match, n, p *match) bool {
	for i := range ms {
		b := &ms[i]
		if b.dead || b.clause != n.clause || b.cls&clsBot == 0 {
			continue
		}
		if b.start >= n.end && b.w0-n.w1 <= 3 && (p.start < n.start || b.end <= p.start) {
			return true
		}
		if b.end <= n.start && n.w0-b.w1 <= 1 && (b.end <= p.start || p.end <= b.start) && n.cls&clsPost != 0 {
			return true
		}
	}
	return false
}

// bare reports a clause that is nothing but a person and filler: "agent", "human
// please", "a real person now", "人工客服", "オペレーター".
func bare(t []byte, ms []match) bool {
	var covered [256]bool
	clauseStart := 0
	clause := int32(0)
	for i := 0; i <= len(t); i++ {
		if i < len(t) && t[i] != '|' {
			continue
		}
		if bareClause(t, ms, clause, clauseStart, i, &covered) {
			return true
		}
		clauseStart = i + 1
		clause++
	}
	return false
}

func bareClause(t []byte, ms []match, clause int32, from, to int, covered *[256]bool) bool {
	if to-from > len(covered) {
		return false
	}
	person := false
	for i := range ms {
		m := &ms[i]
		if m.clause != clause || m.dead || m.cls&(clsPerson|clsFiller) == 0 {
			continue
		}
		if m.cls&clsPerson != 0 {
			person = true
		}
		end := int(m.end)
		if m.open { // a prefix entry covers the rest of its word
			for end < to && t[end] != ' ' {
				end++
			}
		}
		for j := int(m.start); j < end; j++ {
			covered[j-from] = true
		}
	}
	ok := person
	for j := from; j < to; j++ {
		if ok && t[j] != ' ' && !covered[j-from] {
			ok = false
		}
		covered[j-from] = false
	}
	return ok
}

// fuzzyMatches appends the words of t one typo away from a lexicon word.
func (d *detector) fuzzyMatches(t []byte, ms []match) []match {
	var spaces, clauses int32
	for i := 0; i < len(t); {
		if t[i] == ' ' || t[i] == '|' {
			if t[i] == ' ' {
				spaces++
			} else {
				clauses++
			}
			i++
			continue
		}
		j := i
		for j < len(t) && t[j] != ' ' {
			j++
		}
		if c := d.fuzzy.lookup(t[i:j]); c != 0 && !covers(ms, i, j, c) {
			ms = append(ms, match{cls: c, start: int32(i), end: int32(j), w0: spaces, w1: spaces, clause: clauses})
		}
		i = j
	}
	return ms
}

// covers reports a match of class c over the bytes i:j.
func covers(ms []match, i, j int, c class) bool {
	for k := range ms {
		if ms[k].cls&c != 0 && int(ms[k].start) <= i && int(ms[k].end) >= j {
			return true
		}
	}
	return false
}

// detector is the compiled lexicon.
type detector struct {
	auto  *automaton
	fuzzy fuzzyIndex
}

var getDetector = sync.OnceValue(func() *detector {
	idx := map[string]int{}
	var keys []string
	var pats []pattern
	d := &detector{fuzzy: fuzzyIndex{exact: map[string]class{}, del: map[string]class{}}}
	add := func(entry string, c class) {
		key, ok := entryKey(entry)
		if !ok {
			return
		}
		i, seen := idx[key]
		if !seen {
			i = len(keys)
			idx[key] = i
			keys = append(keys, key)
			p := pattern{n: int32(len(key)), lead: key[0] == ' ', trail: key[len(key)-1] == ' '}
			p.spaces = int32(strings.Count(strings.TrimSpace(key), " "))
			pats = append(pats, p)
		}
		pats[i].cls |= c
		// One typo: whole single words of persons ("humna", "somone").
		if c&(clsPerson|clsSomeone) != 0 && pats[i].lead && pats[i].trail && pats[i].spaces == 0 {
			d.fuzzy.add(strings.TrimSpace(key), c&(clsPerson|clsSomeone))
		}
	}
	for _, l := range lexicons {
		neg, want := clsNeg, clsWant
		if l.post {
			neg |= clsPost
		}
		if l.post || l.free {
			want |= clsFree
		}
		for _, list := range []struct {
			entries string
			c       class
		}{
			{l.person, clsPerson}, {l.someone, clsSomeone}, {l.talk, clsTalk}, {l.want, want},
			{l.neg, neg}, {l.block, clsBlock}, {l.report, clsBlock | clsReport}, {l.must, clsMust},
			{l.purpose, clsFor}, {l.not, clsNot},
			{l.filler, clsFiller}, {l.bot, clsBot},
		} {
			for _, e := range strings.Split(list.entries, ",") {
				add(e, list.c)
			}
		}
	}
	// What the text-only helpdesks tell a visitor to type for a person, in every language
	// of handover's table, is a person on its own.
	for _, l := range handover.Languages() {
		for _, w := range l.Words(handover.ChoiceRequestHuman) {
			add(w, clsPerson)
		}
	}
	// A typo must not turn a common word into a person: a lexicon word of another class
	// is never a typo.
	for key, i := range idx {
		if pats[i].cls&(clsPerson|clsSomeone) == 0 {
			w := strings.TrimSpace(key)
			delete(d.fuzzy.exact, w)
			delete(d.fuzzy.del, w)
		}
	}
	d.auto = newAutomaton(keys, pats)
	return d
})
