// node-redis 5 client-side caching through redis-sidecar, end to end (run by NodeRedisCachingTest).
//
//   node csc.mjs <proxyPort> <redisPort>
//
// A RESP3 client with clientSideCache connects to the proxy (its handshake: HELLO 3, CLIENT SETINFO,
// CLIENT TRACKING ON); a plain RESP2 client connects to Redis directly. The key is set directly, read twice through
// the proxy (a miss, then a hit in the client's cache), written directly, and read through the proxy until the new
// value shows, which it does only once Redis's invalidation push has come back through the proxy and emptied the
// entry. Then once more, since Redis tracks a key again only when it is read again. Prints one JSON line; exits 0
// when everything matched, 1 on a mismatch, 2 on an error or when the deadline passed.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { createClient } from 'redis';

const DEADLINE_MS = 20_000;   // the whole run
const WAIT_MS = 5_000;        // for one invalidation to arrive
const POLL_MS = 2;

const [proxyPort, redisPort] = process.argv.slice(2).map(Number);
if (!proxyPort || !redisPort) {
    console.error('usage: node csc.mjs <proxyPort> <redisPort>');
    process.exit(2);
}
const version = createRequire(import.meta.url)('redis/package.json').version;
// summary first, under names the details do not use (NodeRedisCachingTest reads the first occurrence of each)
const result = {
    ok: false,
    client: `node-redis ${version}`,
    protocol: null,
    reads: [],
    missesAfterFirstGet: null,
    hitsAfterSecondGet: null,
    invalidationMs: null,
    newValueVisibleMs: null,
    reinvalidationMs: null,
    checks: [],
    rounds: [],
};

const deadline = setTimeout(() => {
    result.error = `deadline of ${DEADLINE_MS} ms passed`;
    finish(2);
}, DEADLINE_MS);
deadline.unref();

function finish(code) {
    if (errors.length > 0) {
        result.errors = errors;
    }
    if (failures.length > 0) {
        result.failures = failures;
    }
    console.log(JSON.stringify(result));
    process.exit(code);
}

const failures = [];
function check(name, actual, expected) {
    const pass = JSON.stringify(actual) === JSON.stringify(expected);
    result.checks.push({ name, pass, actual, expected });
    if (!pass) {
        failures.push(name);
    }
    return pass;
}

const socket = { connectTimeout: 5_000, reconnectStrategy: false };
const cached = createClient({
    url: `redis://127.0.0.1:${proxyPort}`,
    RESP: 3,
    clientSideCache: { ttl: 0, maxEntries: 0 },
    socket,
});
const direct = createClient({ url: `redis://127.0.0.1:${redisPort}`, socket });
const errors = [];
cached.on('error', (e) => errors.push(`proxy client: ${e.message}`));
direct.on('error', (e) => errors.push(`direct client: ${e.message}`));

// when the cache got the invalidation of the key (the push handler runs before the emit)
const key = `csc:node:${process.pid}:${Date.now()}`;
let invalidatedAt = null;
cached.clientSideCache.on('invalidate', (k) => {
    if (k === null || k.toString() === key) {
        invalidatedAt ??= performance.now();
    }
});

const stats = () => {
    const s = cached.clientSideCache.stats();
    return { hits: s.hitCount, misses: s.missCount };
};

/** Writes value directly, then reads through the proxy until it shows; returns the timings. */
async function writeAndWait(value) {
    invalidatedAt = null;
    const t0 = performance.now();
    await direct.set(key, value);
    const written = performance.now();
    let polls = 0;
    let seen;
    while (true) {
        polls++;
        seen = await cached.get(key);
        if (seen === value || performance.now() - t0 > WAIT_MS) {
            break;
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const visible = performance.now();
    const ms = (t) => (t === null ? null : Math.round((t - t0) * 1000) / 1000);
    const round = { value: seen, polls, setMs: ms(written), pushMs: ms(invalidatedAt), visibleMs: ms(visible) };
    result.rounds.push(round);
    result.reads.push(seen);
    return round;
}

try {
    await Promise.all([cached.connect(), direct.connect()]);
    const info = await cached.sendCommand(['CLIENT', 'INFO']);
    result.protocol = Number(/ resp=(\d)/.exec(String(info))?.[1] ?? NaN);
    check('client speaks RESP3 through the proxy', result.protocol, 3);

    await direct.set(key, 'v1');
    const read = async () => {
        const v = await cached.get(key);
        result.reads.push(v);
        return v;
    };
    check('first GET through the proxy', await read(), 'v1');
    check('first GET is a cache miss', stats(), { hits: 0, misses: 1 });
    result.missesAfterFirstGet = stats().misses;
    check('second GET through the proxy', await read(), 'v1');
    check('second GET is a cache hit', stats(), { hits: 1, misses: 1 });
    result.hitsAfterSecondGet = stats().hits;
    check('one entry cached', cached.clientSideCache.size(), 1);

    const first = await writeAndWait('v2');
    result.invalidationMs = first.pushMs;
    result.newValueVisibleMs = first.visibleMs;
    check('GET shows the direct write', first.value, 'v2');
    check('the invalidation push arrived', first.pushMs !== null, true);
    const hitsBefore = stats().hits;
    check('GET right after', await read(), 'v2');
    check('GET right after is a cache hit', stats().hits, hitsBefore + 1);

    // read again after the invalidation: Redis tracks the key again, so a second write invalidates it again
    const second = await writeAndWait('v3');
    result.reinvalidationMs = second.pushMs;
    check('GET shows the second direct write', second.value, 'v3');
    check('the second invalidation push arrived', second.pushMs !== null, true);
    result.stats = stats();
    await direct.del(key);
    result.ok = failures.length === 0 && errors.length === 0;
} catch (e) {
    result.error = `${e.name}: ${e.message}`;
}
await Promise.allSettled([cached.close(), direct.close()]);
finish(result.error ? 2 : result.ok ? 0 : 1);
