# Sourced by scripts/test.sh: makes sure a Redis server is available for the
# multi-replica tests and exports HANDOVER_TEST_REDIS_URL. Installs Debian's
# redis-server when it is missing, and starts a private, memory-only instance
# on loopback that is stopped when the tests end.
if [ -z "${HANDOVER_TEST_REDIS_URL:-}" ]; then
	if ! command -v redis-server >/dev/null 2>&1; then
		echo "== installing redis-server (Debian package)"
		if [ "$(id -u)" = 0 ]; then
			(apt-get update -qq && apt-get install -y -qq redis-server) >/tmp/handover-apt-redis.log 2>&1 || { cat /tmp/handover-apt-redis.log; echo "could not install redis-server"; exit 1; }
		else
			sudo apt-get update -qq && sudo apt-get install -y -qq redis-server
		fi
	fi
	redis_port=${HANDOVER_TEST_REDIS_PORT:-16379}
	redis_dir=$(mktemp -d)
	redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
		--dir "$redis_dir" --daemonize yes --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log"
	for _ in $(seq 1 50); do
		redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
		sleep 0.1
	done
	redis-cli -p "$redis_port" ping >/dev/null || { cat "$redis_dir/redis.log"; echo "redis-server did not start"; exit 1; }
	export HANDOVER_TEST_REDIS_URL="redis://127.0.0.1:${redis_port}/0"
	trap 'redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$redis_dir"' EXIT
	echo "== redis-server on 127.0.0.1:${redis_port}"
fi
