package io.redissidecar.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.proxy.testing.ProxiedRedis;
import io.redissidecar.proxy.testing.RespConn;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Regression tests for what one client could do to the others over a shared backend connection (issue 12's
 * numbered findings), against a real redis-server. Each failed on the code before its fix.
 */
class MultiplexingSafetyTest {
    /** An empty deny list: what follows must hold even when an operator allows everything. */
    @RegisterExtension
    static final ProxiedRedis env = new ProxiedRedis("--deny-commands", "keys", "--failover-hold-ms", "3000");

    private static RespConn proxy() throws Exception {
        return new RespConn(env.proxy().port());
    }

    private static RespConn direct() throws Exception {
        return new RespConn(env.redis().port());
    }

    /** Finding 1: REPLCONF ACK gets no reply from Redis; forwarded, it shifted every later reply by one. */
    @Test
    void commandsWithoutOneReplyAreRefusedAndRepliesStayWithTheirClient() throws Exception {
        try (RespConn a = proxy(); RespConn b = proxy()) {
            a.call("SET", "ka", "A-secret");
            b.call("SET", "kb", "B-secret");
            for (String[] cmd : new String[][] {{"REPLCONF", "ACK", "0"}, {"SYNC"},
                {"PSYNC", "?", "-1"}, {"SCRIPT", "DEBUG", "YES"}}) {
                String reply = a.call(cmd);
                assertTrue(reply.startsWith("-ERR redis-sidecar: command '"), String.join(" ", cmd) + ": " + reply);
                assertEquals("$8\r\nB-secret\r\n", b.call("GET", "kb"));
                assertEquals("$8\r\nA-secret\r\n", a.call("GET", "ka"));
            }
        }
    }

    /** Fail closed: a command the proxy does not know is answered as Redis would, and never forwarded. */
    @Test
    void unknownCommandsAreAnsweredLikeRedisWithoutReachingIt() throws Exception {
        try (RespConn p = proxy(); RespConn d = direct()) {
            long errorsBefore = errorCount(d);
            for (String[] cmd : new String[][] {{"NOPE"}, {"NOPE", "a", "b c"}, {"nope", "x".repeat(200)},
                {"CLIENT", "NOPE"}, {"CONFIG", "nope", "x"}}) {
                assertEquals(d.call(cmd), p.call(cmd), String.join(" ", cmd));
            }
            long afterDirect = errorCount(d);
            assertEquals(errorsBefore + 5, afterDirect, "only the direct calls reached Redis");
            assertEquals("-ERR wrong number of arguments for 'get' command\r\n", p.call("GET"));
        }
    }

    /** Finding 2: an error a script returns is its result, not Redis's signal: no retry, no redirect. */
    @Test
    void errorsMadeUpByScriptsGoToTheClientUntouched() throws Exception {
        try (RespConn p = proxy(); RespConn other = proxy()) {
            for (String err : new String[] {"MOVED 0 127.0.0.1:1", "ASK 0 127.0.0.1:1", "LOADING x", "READONLY x",
                "TRYAGAIN x", "CLUSTERDOWN x", "MASTERDOWN x", "UNBLOCKED x"}) {
                p.call("DEL", "c");
                String script = "redis.call('INCR', KEYS[1]); return {err='" + err + "'}";
                assertEquals("-" + err + "\r\n", p.call("EVAL", script, "1", "c"), err);
                assertEquals("$1\r\n1\r\n", p.call("GET", "c"), err + ": the script ran once");
                assertEquals("+PONG\r\n", other.call("PING"));
            }
            String sha = p.call("SCRIPT", "LOAD", "redis.call('INCR', KEYS[1]); return {err='LOADING y'}");
            sha = sha.substring(sha.indexOf('\n') + 1).trim();
            p.call("DEL", "c");
            assertEquals("-LOADING y\r\n", p.call("EVALSHA", sha, "1", "c"));
            assertEquals("$1\r\n1\r\n", p.call("GET", "c"));
        }
    }

    /** Finding 3: HTTP on the data port closes that client before anything of it is forwarded, as Redis does. */
    @Test
    void httpRequestsCloseOnlyTheirClient() throws Exception {
        try (RespConn d = direct()) {
            d.call("DEL", "pwned");
        }
        try (RespConn bystander = proxy(); RespConn web = proxy()) {
            bystander.call("SET", "by", "stander");
            web.sendRaw(("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 14\r\n\r\nSET pwned yes\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertTrue(web.closedByPeer(), "the client sending POST is closed");
            assertEquals("$7\r\nstander\r\n", bystander.call("GET", "by"));
        }
        try (RespConn web = proxy()) {
            web.sendRaw("Host: example.com\r\nSET pwned yes\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(web.closedByPeer(), "the client sending Host: is closed");
        }
        try (RespConn web = proxy()) {
            web.sendRaw(RespConn.encode("post", "/"));
            web.sendRaw(RespConn.encode("SET", "pwned", "yes"));
            assertTrue(web.closedByPeer(), "POST as a multibulk request closes the client too");
        }
        try (RespConn d = direct()) {
            assertEquals("$-1\r\n", d.call("GET", "pwned"));
        }
    }

    /** Review finding: a consumer group named "streams" hid BLOCK from the router; the read stalled everyone. */
    @Test
    void aBlockingReadWithAGroupNamedStreamsDoesNotStallOthers() throws Exception {
        try (RespConn a = proxy(); RespConn b = proxy()) {
            a.call("DEL", "rs");
            assertEquals("+OK\r\n", a.call("XGROUP", "CREATE", "rs", "streams", "$", "MKSTREAM"));
            a.send("XREADGROUP", "GROUP", "streams", "c1", "BLOCK", "1500", "STREAMS", "rs", ">");
            b.setTimeout(1000); // before: this GET waited behind the blocked read on the shared connection
            assertEquals("$-1\r\n", b.call("GET", "nothing-here"));
            assertEquals("*-1\r\n", a.readReply());
        }
    }

    /** Review finding: after SUBSCRIBE and UNSUBSCRIBE, requests went to database 0 whatever the client selected. */
    @Test
    void aSubscribedClientKeepsItsDatabase() throws Exception {
        try (RespConn c = proxy(); RespConn d = direct()) {
            assertEquals("+OK\r\n", c.call("SELECT", "3"));
            c.call("SET", "k3", "mine");
            assertEquals("*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n", c.call("UNSUBSCRIBE"));
            assertEquals("$4\r\nmine\r\n", c.call("GET", "k3"));
            c.call("SUBSCRIBE", "dbch");
            c.call("UNSUBSCRIBE", "dbch");
            assertEquals("+OK\r\n", c.call("SET", "written", "db3"));
            d.call("SELECT", "3");
            assertEquals("$3\r\ndb3\r\n", d.call("GET", "written"));
            d.call("SELECT", "0");
            assertEquals("$-1\r\n", d.call("GET", "written"));
        }
    }

    /** Review findings: a marker's echo cannot be forged; MULTI after SUBSCRIBE and SUBSCRIBE inside MULTI refused. */
    @Test
    void proxyMadeRepliesOfASubscribedClientStayInOrder() throws Exception {
        try (RespConn c = proxy()) {
            String id = c.call("CLIENT", "ID");
            id = id.substring(1, id.length() - 2);
            c.call("SUBSCRIBE", "mch");
            c.send("PING", "redis-sidecar:" + id + ":1");
            c.send("KEYS", "*"); // denied: the proxy's reply waits for its marker's echo
            assertEquals("*2\r\n$4\r\npong\r\n$" + ("redis-sidecar:" + id + ":1").length() + "\r\nredis-sidecar:"
                    + id + ":1\r\n", c.readReply());
            assertTrue(c.readReply().startsWith("-ERR redis-sidecar: command 'keys' is refused"));
            c.call("UNSUBSCRIBE", "mch");
            assertTrue(c.call("MULTI").startsWith("-ERR redis-sidecar: command 'multi' is not supported on a "
                    + "connection that has subscribed"));
        }
        try (RespConn c = proxy()) {
            assertEquals("+OK\r\n", c.call("MULTI"));
            assertTrue(c.call("SUBSCRIBE", "tx").startsWith("-ERR redis-sidecar: command 'subscribe' is not "
                    + "supported inside MULTI"));
            assertEquals("-EXECABORT Transaction discarded because of previous errors.\r\n", c.call("EXEC"));
            assertEquals("+PONG\r\n", c.call("PING"));
        }
    }

    private static long errorCount(RespConn d) throws Exception {
        String info = d.call("INFO", "stats");
        for (String line : info.split("\r\n")) {
            if (line.startsWith("total_error_replies:")) {
                return Long.parseLong(line.substring("total_error_replies:".length()));
            }
        }
        throw new AssertionError("no total_error_replies in INFO stats");
    }

    /** Review of b0c0434, finding 1: a RESP3 client's bare UNSUBSCRIBE (a push reply) shifted a shared connection. */
    @Test
    void aBareUnsubscribeInResp3KeepsRepliesWithTheirClients() throws Exception {
        try (RespConn a = proxy(); RespConn b = proxy()) {
            a.call("HELLO", "3");
            b.call("SET", "kb-unsub", "B-value");
            for (String cmd : new String[] {"UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE"}) {
                assertEquals(">3\r\n$" + cmd.length() + "\r\n" + cmd.toLowerCase() + "\r\n_\r\n:0\r\n", a.call(cmd));
                assertEquals("$7\r\nB-value\r\n", b.call("GET", "kb-unsub"));
                assertEquals("+PONG\r\n", a.call("PING"));
            }
        }
    }

    /** Issue 13: MONITOR, when not denied, gets a connection of its own: Redis's feed, and other clients unharmed. */
    @Test
    void monitorGetsAConnectionOfItsOwn() throws Exception {
        try (RespConn m = proxy(); RespConn other = proxy()) {
            assertEquals("+OK\r\n", m.call("MONITOR"));
            assertEquals("+OK\r\n", other.call("SET", "monitored-key", "v"));
            String line;
            do {
                line = m.readReply(); // Redis's feed: every command of every connection, the proxy's own included
            } while (!line.contains("\"monitored-key\""));
            assertTrue(line.startsWith("+") && line.contains("\"SET\""), line);
            assertEquals("$1\r\nv\r\n", other.call("GET", "monitored-key"));
            m.send("RESET");
            while (!m.readReply().equals("+RESET\r\n")) {
                // the rest of the feed before RESET's reply
            }
            assertEquals("$1\r\nv\r\n", m.call("GET", "monitored-key"), "back on shared connections");
        }
    }
}
