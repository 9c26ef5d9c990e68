package replicas

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// The echo ledger (handover.EchoLedger) in Redis: one sorted set a conversation, its members
// the expected echoes scored by the time each expires.

// echoKeep is how long a ticket's set of expected echoes outlives its last deadline.
const echoKeep = time.Hour

func (r *Redis) echoKey(conversationID string) string { return r.prefix + "echo:" + conversationID }

// ExpectEcho implements handover.EchoLedger: ZADD of a new member scored by its deadline. The
// set outlives its last deadline by echoKeep, so that an expectation that expired untaken is
// still counted at the ticket's next take (the adapter then unlearns that echoes come).
func (r *Redis) ExpectEcho(ctx context.Context, conversationID string, ttl time.Duration) (func(), error) {
	member := rand.Text()
	key := r.echoKey(conversationID)
	deadline := time.Now().Add(ttl)
	_, err := r.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, key, redis.Z{Score: float64(deadline.UnixMilli()), Member: member})
		p.PExpireAt(ctx, key, deadline.Add(echoKeep))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("redis: expect echo of %s: %w", conversationID, err)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := r.c.ZRem(ctx, key, member).Err(); err != nil {
			r.log.Warn("redis: could not drop an expected echo", "conversation", conversationID, "err", err)
		}
	}, nil
}

// takeEchoScript drops the expired expectations (KEYS[1], scores up to ARGV[1]), then pops the
// oldest live one: returns {taken 0|1, expired count}.
var takeEchoScript = redis.NewScript(`
local expired = redis.call("zremrangebyscore", KEYS[1], "-inf", ARGV[1])
local popped = redis.call("zpopmin", KEYS[1], 1)
local taken = 0
if #popped > 0 then taken = 1 end
return {taken, expired}`)

// TakeEcho implements handover.EchoLedger: one script, so that two replicas never take the same
// expectation.
func (r *Redis) TakeEcho(ctx context.Context, conversationID string) (bool, int, error) {
	res, err := takeEchoScript.Run(ctx, r.c, []string{r.echoKey(conversationID)}, time.Now().UnixMilli()).Int64Slice()
	if err != nil {
		return false, 0, fmt.Errorf("redis: take echo of %s: %w", conversationID, err)
	}
	if len(res) != 2 {
		return false, 0, fmt.Errorf("redis: take echo of %s: answer %v", conversationID, res)
	}
	return res[0] == 1, int(res[1]), nil
}
