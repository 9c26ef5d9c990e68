package bot

import "testing"

// BenchmarkKnowledgeSearch: lexical retrieval over the sample knowledge base
// runs on every offline turn and for every LLM prompt.
func BenchmarkKnowledgeSearch(b *testing.B) {
	k := SampleKnowledge()
	b.ReportAllocs()
	for b.Loop() {
		if len(k.Search("How long does shipping to Canada take and what does it cost?", 3)) == 0 {
			b.Fatal("no passage")
		}
	}
}

// BenchmarkIsHumanRequest: the detector runs on every visitor message.
func BenchmarkIsHumanRequest(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if !IsHumanRequest("Ich möchte bitte mit einem Mitarbeiter sprechen") {
			b.Fatal("not detected")
		}
	}
}
