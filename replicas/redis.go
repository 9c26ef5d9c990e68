// Package replicas holds what handover replicas share through Redis
// (go-redis): per-conversation locks, de-duplication of deliveries and the
// count of events per conversation (so a turn on one replica knows that
// another accepted an event while its LLM thought). Without it a single
// replica still never doubles a reply; Redis closes the window between
// replicas.
package replicas

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis holds the shared client.
type Redis struct {
	c       *redis.Client
	prefix  string
	lockTTL time.Duration
	dedupTT time.Duration
	log     *slog.Logger
	// replica names this process among those sharing the Redis (random, a
	// new one on every start): its field in the hashes of event counts.
	replica string
}

// Options configure Redis.
type Options struct {
	// Prefix namespaces every key (default "handover:").
	Prefix string
	// LockTTL bounds how long a crashed replica's lock blocks others: a held
	// lock is renewed every third of it until released, so it need not
	// outlast a turn. Default 10s.
	LockTTL time.Duration
	// DedupeTTL is how long a delivery is remembered. Default 24h.
	DedupeTTL time.Duration
	Logger    *slog.Logger
}

// Open connects to url (redis://, rediss:// or unix://) and pings it.
func Open(ctx context.Context, url string, o Options) (*Redis, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		// The URL may hold a password: never echo it.
		return nil, errors.New("redis: HANDOVER_REDIS_URL is not a valid redis URL")
	}
	if o.Prefix == "" {
		o.Prefix = "handover:"
	}
	if o.LockTTL <= 0 {
		o.LockTTL = 10 * time.Second
	}
	if o.DedupeTTL <= 0 {
		o.DedupeTTL = 24 * time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Redis{c: redis.NewClient(opt), prefix: o.Prefix, lockTTL: o.LockTTL, dedupTT: o.DedupeTTL, log: o.Logger,
		replica: rand.Text()}
	if err := r.Ping(ctx); err != nil {
		_ = r.c.Close()
		return nil, err
	}
	return r, nil
}

// Ping checks the connection (readiness).
func (r *Redis) Ping(ctx context.Context) error {
	if err := r.c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: ping %s: %w", r.c.Options().Addr, err)
	}
	return nil
}

// Close closes the client.
func (r *Redis) Close() error { return r.c.Close() }

// FirstSeen implements handover.Deduper with SET NX. When Redis is
// unreachable it answers true: the turn re-reads the helpdesk anyway, so a
// lost de-duplication costs a read, never a doubled reply.
func (r *Redis) FirstSeen(key string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	ok, err := r.c.SetNX(ctx, r.prefix+"seen:"+key, 1, r.dedupTT).Result()
	if err != nil {
		r.log.Warn("redis de-duplication unavailable", "err", err)
		return true
	}
	return ok
}

// FirstSeenAll implements handover.BatchDeduper: SET NX for every key in one
// pipelined round trip. When Redis is unreachable every key counts as new
// (see FirstSeen).
func (r *Redis) FirstSeenAll(keys []string) []bool {
	out := make([]bool, len(keys))
	if len(keys) == 0 {
		return out
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	cmds := make([]*redis.BoolCmd, len(keys))
	_, err := r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.SetNX(ctx, r.prefix+"seen:"+k, 1, r.dedupTT)
		}
		return nil
	})
	for i, c := range cmds {
		ok, cerr := c.Result()
		out[i] = ok || cerr != nil
	}
	if err != nil {
		r.log.Warn("redis de-duplication unavailable", "err", err)
	}
	return out
}

// Forget implements handover.Deduper.
func (r *Redis) Forget(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := r.c.Del(ctx, r.prefix+"seen:"+key).Err(); err != nil {
		r.log.Warn("redis forget failed", "err", err)
	}
}

// unlockScript deletes the lock only if we still hold it.
var unlockScript = redis.NewScript(`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`)

// renewScript extends the lock only if we still hold it.
var renewScript = redis.NewScript(`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`)

// Lock implements handover.Locker: SET NX PX with a random token, polled
// until held or ctx ends; renewed every third of the TTL while held (so a
// replica that dies frees it within the TTL, however long its turn was);
// released with a compare-and-delete script.
func (r *Redis) Lock(ctx context.Context, conversationID string) (func(), error) {
	key := r.prefix + "lock:" + conversationID
	token := rand.Text()
	wait := 10 * time.Millisecond
	for {
		ok, err := r.c.SetNX(ctx, key, token, r.lockTTL).Result()
		if err != nil {
			return nil, fmt.Errorf("redis: lock %s: %w", conversationID, err)
		}
		if ok {
			stop := make(chan struct{})
			renewed := make(chan struct{})
			go r.renew(key, token, conversationID, stop, renewed)
			var once sync.Once
			return func() {
				once.Do(func() {
					close(stop)
					<-renewed
					uctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
					defer cancel()
					if err := unlockScript.Run(uctx, r.c, []string{key}, token).Err(); err != nil {
						r.log.Warn("redis unlock failed; the lock expires by itself", "conversation", conversationID, "err", err)
					}
				})
			}, nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("redis: lock %s: %w", conversationID, ctx.Err())
		case <-t.C:
		}
		if wait < 200*time.Millisecond {
			wait *= 2
		}
	}
}

// renew extends a held lock every third of its TTL until stop closes; it
// gives up when the lock is no longer ours (it expired while Redis could not
// be reached, and another replica may hold it now).
func (r *Redis) renew(key, token, conversationID string, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(r.lockTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), r.lockTTL/3)
		n, err := renewScript.Run(ctx, r.c, []string{key}, token, r.lockTTL.Milliseconds()).Int()
		cancel()
		switch {
		case err != nil:
			r.log.Warn("redis: could not renew a conversation lock", "conversation", conversationID, "err", err)
		case n == 0:
			r.log.Warn("redis: a conversation lock expired while held", "conversation", conversationID)
			return
		}
	}
}

// Touch implements handover.ChangeLog: HINCRBY of this replica's field in
// the conversation's hash of event counts, kept for a day after its last
// event.
func (r *Redis) Touch(ctx context.Context, conversationID string) error {
	key := r.changesKey(conversationID)
	pipe := r.c.TxPipeline()
	pipe.HIncrBy(ctx, key, r.replica, 1)
	pipe.Expire(ctx, key, r.dedupTT)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("redis: count event of %s: %w", conversationID, err)
	}
	return nil
}

// Version implements handover.ChangeLog: the sum of the other replicas'
// counts of events for the conversation (0 when there is none). This
// replica's own events are left out: its lanes know them, and whether the
// running turn read them, so a second webhook about a message the turn
// read, or its own event's count landing after the turn began, makes no
// re-read.
func (r *Redis) Version(ctx context.Context, conversationID string) (int64, error) {
	m, err := r.c.HGetAll(ctx, r.changesKey(conversationID)).Result()
	if err != nil {
		return 0, fmt.Errorf("redis: read events of %s: %w", conversationID, err)
	}
	var n int64
	for field, v := range m {
		if field == r.replica {
			continue
		}
		c, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("redis: read events of %s: count %q of replica %s: %w", conversationID, v, field, err)
		}
		n += c
	}
	return n, nil
}

// changesKey is the conversation's hash of event counts, one field per
// replica (process).
func (r *Redis) changesKey(conversationID string) string {
	return r.prefix + "changes:" + conversationID
}
