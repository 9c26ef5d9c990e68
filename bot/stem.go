package bot

import "strings"

// stem reduces a folded word to a light English stem, so that the forms a
// visitor types meet the forms a knowledge base is written in: "shipping",
// "shipped" and "ships" → "ship"; "internationally" and "international" →
// "internation"; "parking" → "park"; "delivery", "deliveries" and
// "delivered" → "deliver"; "cancelling" and "cancellation" → "cancel";
// "payment" → "pay". It strips suffixes only (no dictionary), keeps at least
// three letters of the word, and leaves words that are not plain ASCII
// letters, or shorter than four letters, as they are. The stems need not be
// words: a question and a passage only have to reduce alike. It is applied
// to the words of every language (folded German or French words are ASCII
// too); for them it mostly removes a plural "s" or a final "e", which is
// harmless because both sides of a match are stemmed the same way.
func stem(w string) string {
	if len(w) < 4 || !isASCIILetters(w) {
		return w
	}
	// Plurals.
	switch {
	case strings.HasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case w[len(w)-1] == 's' && !strings.ContainsRune("siu", rune(w[len(w)-2])):
		w = w[:len(w)-1]
	}
	// Verb endings.
	switch {
	case strings.HasSuffix(w, "eed"):
	case strings.HasSuffix(w, "ied") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "ed") && stemmable(w[:len(w)-2]):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ing") && stemmable(w[:len(w)-3]):
		w = w[:len(w)-3]
	}
	// A few derivational suffixes, longest first.
	for _, s := range derivations {
		if strings.HasSuffix(w, s.suffix) && len(w)-len(s.suffix) >= s.keep {
			w = w[:len(w)-len(s.suffix)] + s.with
			break
		}
	}
	// A final "e" ("store", "stored" → "stor") and a doubled final
	// consonant ("shipp" → "ship", "cancell" → "cancel"; "ss" stays).
	if n := len(w); n > 3 && w[n-1] == 'e' {
		w = w[:n-1]
	}
	if n := len(w); n > 3 && w[n-1] == w[n-2] && w[n-1] != 's' && !isVowel(w[n-1]) {
		w = w[:n-1]
	}
	return w
}

// derivations are the derivational suffixes stem removes: the suffix, what
// replaces it and how many letters must stay before it.
var derivations = []struct {
	suffix, with string
	keep         int
}{
	{"ally", "", 5},  // internationally → internation
	{"ation", "", 3}, // cancellation → cancell → cancel, confirmation → confirm
	{"ment", "", 3},  // payment → pay, shipment → ship, replacement → replac
	{"able", "", 4},  // returnable → return, refundable → refund, available → avail
	{"ness", "", 4},
	{"ery", "er", 4}, // delivery → deliver
	{"ily", "y", 4},
	{"ly", "", 4}, // quickly → quick (early stays)
	{"al", "", 5}, // international → internation, arrival → arriv, removal → remov
}

// stemmable reports whether what is left after removing a verb ending is
// still a stem: three letters or more with a vowel ("ring" and "red" stay).
func stemmable(rest string) bool {
	if len(rest) < 3 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if isVowel(rest[i]) || rest[i] == 'y' {
			return true
		}
	}
	return false
}

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	}
	return false
}
