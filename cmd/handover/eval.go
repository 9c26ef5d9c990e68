package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/handover-dev/handover/bot"
)

// evalDetector prints the human-request detector's precision, recall and false-handover
// rate per language and overall on a labelled corpus (label<TAB>language<TAB>text, labels
// human or other; bot/testdata/human_requests*.tsv).
func evalDetector(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	verbose := fs.Bool("v", false, "list the missed requests and the false handovers")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: handover eval [-v] FILE.tsv ...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return fmt.Errorf("eval: no corpus file")
	}
	var all []bot.DetectorExample
	for _, name := range fs.Args() {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("eval: %w", err)
		}
		ex, err := bot.ReadDetectorCorpus(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("eval: %s: %w", name, err)
		}
		all = append(all, ex...)
	}
	return bot.EvaluateDetector(all).Write(stdout, *verbose)
}
