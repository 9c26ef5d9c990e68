package bot

import "testing"

// The detector runs on every visitor message (BenchmarkIsHumanRequest in bench_test.go
// times one German request).
var detectorBenchTexts = []struct{ name, text string }{
	{"request_en", "Can I please talk to a real person about my order?"},
	{"question_en", "How long does shipping to Canada take and what does it cost?"},
	{"near_miss_en", "Are your agents available on weekends, or only on weekdays?"},
	{"request_zh", "你好，我想找人工客服聊一下"},
	{"request_ar", "أريد التحدث مع موظف خدمة العملاء من فضلك"},
	{"typo_en", "connect me to an agnet please"},
	{"long_en", "Hi, I ordered the four-person tent two weeks ago and the tracking page has not changed since " +
		"last Monday. The parcel was supposed to arrive on Friday and I'm leaving for a camping trip on Sunday, " +
		"so I'm getting worried. Could you tell me where it is and whether it will arrive in time?"},
}

func BenchmarkDetector(b *testing.B) {
	getDetector()
	for _, tt := range detectorBenchTexts {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				IsHumanRequest(tt.text)
			}
		})
	}
}

// BenchmarkDetectorCorpus: the mean over every line of both corpus splits.
func BenchmarkDetectorCorpus(b *testing.B) {
	var texts []string
	for _, f := range []string{"human_requests.tsv", "human_requests_heldout.tsv"} {
		for _, e := range loadCorpusB(b, f) {
			texts = append(texts, e.Text)
		}
	}
	getDetector()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		IsHumanRequest(texts[i%len(texts)])
		i++
	}
}

func loadCorpusB(b *testing.B, name string) []DetectorExample {
	b.Helper()
	f, err := openTestdata(name)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	ex, err := ReadDetectorCorpus(f)
	if err != nil {
		b.Fatal(err)
	}
	return ex
}
