// Package loadtest is the engine of `handover load`, the benchmark of issue #10:
// the service against a simulated helpdesk under realistic conditions, with a
// bare reference handler measured in the same run as the yardstick.
//
// Conditions: a scripted OpenAI-compatible LLM (internal/llmtest) that takes a
// set time to answer; open-loop arrivals at a set rate (messages are sent on
// schedule whether or not answers came), each visitor writing a few messages
// a few seconds apart; optionally a long history seeded in every conversation
// before the run.
//
// What runs where: the load process serves the simulated helpdesk (every
// dialect of adapters/sim), the scripted LLM and a webhook relay, all on
// loopback. The service runs as a child process (`handover serve`), and so
// does the reference (`handover load-reference`), so that their CPU time and
// RSS are read honestly from /proc. The sim delivers its webhooks to the
// relay, which forwards them to the child and times the acknowledgement.
//
// What is measured: helpdesk calls per turn per endpoint (the sim's call
// log), CPU time, allocated bytes and RSS of the child, acknowledgement and
// end-to-end latency percentiles (a visitor message created in the sim until
// the bot's answer is created there, both on the sim's clock), lost visitor
// messages (no bot answer after them by the end of the drain) and doubled
// answers (two bot answers with no visitor message between them).
package loadtest
