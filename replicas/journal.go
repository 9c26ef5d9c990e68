package replicas

import (
	"context"
	"crypto/rand"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/handover-dev/handover/handover"
)

// The journal (handover.Journal) in Redis: a sorted set of entry ids scored by the time each
// is due for replay, and one hash per entry (helpdesk, body, acknowledgement time, claims),
// which expires after journalTTL whatever happens to it.
const journalTTL = 24 * time.Hour

// Journal is the journal of webhooks the replicas share (handover.Journal).
type Journal struct{ r *Redis }

// Journal returns the journal kept in this Redis.
func (r *Redis) Journal() *Journal { return &Journal{r: r} }

func (j *Journal) due() string            { return j.r.prefix + "journal:due" }
func (j *Journal) entry(id string) string { return j.r.prefix + "journal:entry:" + id }

// Add implements handover.Journal.
func (j *Journal) Add(ctx context.Context, helpdesk string, body []byte, replayAt time.Time) (string, error) {
	id := rand.Text()
	_, err := j.r.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, j.entry(id), "h", helpdesk, "b", body, "t", time.Now().UnixMilli(), "n", 0)
		p.PExpire(ctx, j.entry(id), journalTTL)
		p.ZAdd(ctx, j.due(), redis.Z{Score: float64(replayAt.UnixMilli()), Member: id})
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("journal: add: %w", err)
	}
	return id, nil
}

// Done implements handover.Journal.
func (j *Journal) Done(ctx context.Context, id string) error {
	_, err := j.r.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, j.due(), id)
		p.Del(ctx, j.entry(id))
		return nil
	})
	if err != nil {
		return fmt.Errorf("journal: done %s: %w", id, err)
	}
	return nil
}

// claimScript takes the due entries atomically: each is made due again at ARGV[2] and its
// claims counted; an id whose hash expired is dropped.
var claimScript = redis.NewScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local k = ARGV[4] .. id
  local v = redis.call('HMGET', k, 'h', 'b', 't')
  if v[1] then
    redis.call('ZADD', KEYS[1], ARGV[2], id)
    local n = redis.call('HINCRBY', k, 'n', 1)
    table.insert(out, {id, v[1], v[2], v[3], n})
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out
`)

// Claim implements handover.Journal.
func (j *Journal) Claim(ctx context.Context, now, replayAt time.Time, max int) ([]handover.JournalEntry, error) {
	res, err := claimScript.Run(ctx, j.r.c, []string{j.due()},
		now.UnixMilli(), replayAt.UnixMilli(), max, j.r.prefix+"journal:entry:").Slice()
	if err != nil {
		return nil, fmt.Errorf("journal: claim: %w", err)
	}
	out := make([]handover.JournalEntry, 0, len(res))
	for _, x := range res {
		f, ok := x.([]any)
		if !ok || len(f) != 5 {
			return nil, fmt.Errorf("journal: claim: unexpected reply %v", x)
		}
		id, _ := f[0].(string)
		h, _ := f[1].(string)
		body, _ := f[2].(string)
		since, _ := strconv.ParseInt(fmt.Sprint(f[3]), 10, 64)
		n, _ := f[4].(int64)
		out = append(out, handover.JournalEntry{ID: id, Helpdesk: h, Body: []byte(body), Since: time.UnixMilli(since), Replays: int(n)})
	}
	return out, nil
}

var _ handover.Journal = (*Journal)(nil)
