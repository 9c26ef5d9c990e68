package bot

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"Talk to a HUMAN!!!", " talk to a human "},
		{"Mitarbeiterin Süß", " mitarbeiterin sus "},
		{"nhân viên ơi", " nhan vien oi "},
		{"Połącz mnie z człowiekiem", " polacz mnie z czlowiekiem "},
		{"Хочу поговорить с оператором", " хочу поговорить с оператором "},
		{"humaaaan pleeease", " human please "},
		{"No, I want a human. Now?", " no | i want a human | now "},
		{"¿Puedo hablar con un humano?", " puedo hablar con un humano "},
		{"don't", " don t "},
		{"我要人工，谢谢", " 我要人工 | 谢 "}, // repeated letters are squeezed in every script
		{"ไม่อยากคุยกับบอท อยากคุยกับคน", " ไมอยากคยกบอท | อยากคยกบคน "},
		{"می‌خواهم", " ميخواهم "},
		{"ＡＧＥＮＴ", " agent "},
		{"?!", " "},
	} {
		if got := string(normalize(nil, tt.in, true)); got != tt.want {
			t.Errorf("normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Lexicon entries: no clause breaks.
	if got := string(normalize(nil, "No, thanks", false)); got != " no thanks " {
		t.Errorf("normalize without clauses = %q", got)
	}
}

func TestEntryKey(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"talk to", " talk to "},
		{"Mitarbeit*", " mitarbeit"},
		{"*موظف*", "موظف"},
		{"人工", "人工"},
		{"connect", " conect "},
	} {
		if got, _ := entryKey(tt.in); got != tt.want {
			t.Errorf("entryKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if _, ok := entryKey(" * "); ok {
		t.Error("an empty entry has a key")
	}
}

func TestAutomaton(t *testing.T) {
	t.Parallel()
	keys := []string{" he", "she", "his", "hers", " talk to "}
	pats := make([]pattern, len(keys))
	for i, k := range keys {
		pats[i] = pattern{cls: class(1) << i, n: int32(len(k)), lead: k[0] == ' ', trail: k[len(k)-1] == ' '}
	}
	a := newAutomaton(keys, pats)
	text := []byte(" ushers talk to his hero ")
	var got []string
	for _, m := range a.scan(text, nil) {
		got = append(got, string(text[m.start:m.end]))
	}
	if want := "she hers talk to his he"; strings.Join(got, " ") != want {
		t.Errorf("matches %q, want %q", got, want)
	}
}

func TestFuzzy(t *testing.T) {
	t.Parallel()
	f := fuzzyIndex{exact: map[string]class{}, del: map[string]class{}}
	f.add("human", clsPerson)
	f.add("agent", clsPerson)
	for w, want := range map[string]bool{
		"humna": true, "humn": true, "humans": true, "huuman": true, "hunan": true, "agnet": true,
		"human": true, "humor": false, "agency": false, "urgent": false, "hum": false,
	} {
		if got := f.lookup([]byte(w)) != 0; got != want {
			t.Errorf("fuzzy %q = %v, want %v", w, got, want)
		}
	}
}

// Entries in scripts without spaces and prefix entries must not swallow common words of
// other languages: the lexicon of each language is matched against every text.
func TestDetectorCrossLanguage(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"Ik wil nu een mens spreken",            // nl "nu" is no Romanian negation
		"ik wil door naar een medewerker",       // nl "naar" is no Swedish "när"
		"Can I speak with an agent please?",     // en "an" is no Icelandic "án"
		"for god's sake let me talk to a human", // en "sake" is no Lithuanian "sakė"
		"kundeservice tak",                      // da "tak" is no Malay negation
		"må jeg tale med en chef",               // da "må jeg" is no Norwegian "must I"
	} {
		if !IsHumanRequest(s) {
			t.Errorf("IsHumanRequest(%q) = false", s)
		}
	}
	for _, s := range []string{
		"I don't want to bother a person with this, what's the size chart?", // "bother" is no bot
		"Will a human read this message later?",                             // en "will" is no German wish
		"¿La tienda es para cuatro personas?",
		"Je n'ai besoin de personne, merci.", // fr "personne": nobody
	} {
		if IsHumanRequest(s) {
			t.Errorf("IsHumanRequest(%q) = true", s)
		}
	}
}

// Long texts go past the stack buffers and are still read whole.
func TestIsHumanRequestLongText(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("My order arrived late and the box was damaged. ", 40)
	if IsHumanRequest(long) {
		t.Error("long complaint is a request")
	}
	if !IsHumanRequest(long + "Please connect me to a human.") {
		t.Error("request at the end of a long text missed")
	}
	// Past 2 KiB, the first and the last KiB are judged.
	longer := strings.Repeat(long, 3)
	if !IsHumanRequest("Please connect me to a human. "+longer) || !IsHumanRequest(longer+"Please connect me to a human.") {
		t.Error("request at either end of a very long text missed")
	}
	if !IsHumanRequest(strings.Repeat("我要转人工", 300)) {
		t.Error("very long CJK text cut inside a rune")
	}
	many := strings.Repeat("the agent and the human, ", 50) // more matches than the stack array holds
	if IsHumanRequest(many) || !IsHumanRequest(many+"talk to a human") {
		t.Error("many matches: wrong answer")
	}
}
