package io.redissidecar.proxy.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.redissidecar.proxy.codec.RequestFramer;
import io.redissidecar.proxy.codec.RespProtocolException;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.commands.CommandTable;
import java.nio.charset.StandardCharsets;

/**
 * One request framed by the real {@link RequestFramer}, for unit tests of what reads requests (routing, key specs).
 * Written like {@code redis-cli} arguments: words separated by spaces, {@code ""} for an empty argument. The RESP
 * bytes live in a direct buffer (tracked by Netty's leak detector); {@link #close()} releases it.
 */
public final class FramedRequest implements AutoCloseable {
    private final ByteBuf buffer;
    private final RequestFramer framer = new RequestFramer(1 << 20, 1 << 20, 1 << 16);

    private FramedRequest(ByteBuf buffer) {
        this.buffer = buffer;
    }

    public static FramedRequest of(String request) {
        String[] words = request.trim().split(" +");
        StringBuilder resp = new StringBuilder("*").append(words.length).append("\r\n");
        for (String w : words) {
            String arg = w.equals("\"\"") ? "" : w;
            resp.append('$').append(arg.length()).append("\r\n").append(arg).append("\r\n");
        }
        byte[] bytes = resp.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuf buf = Unpooled.directBuffer(bytes.length);
        buf.writeBytes(bytes);
        FramedRequest r = new FramedRequest(buf);
        try {
            int n = r.framer.frame(buf, ByteBufAllocator.DEFAULT);
            if (n != bytes.length) {
                throw new IllegalStateException("framed " + n + " of " + bytes.length + " bytes");
            }
        } catch (RespProtocolException | RuntimeException e) {
            buf.release();
            throw new IllegalArgumentException(request, e);
        }
        return r;
    }

    public RequestFramer framer() {
        return framer;
    }

    /**
     * The command as {@code ClientSession.dispatch} finds it: the subcommand of a container when there is a second
     * argument, and null for an unknown command or subcommand or a wrong number of arguments (Redis answers those).
     */
    public CommandInfo lookup(CommandTable table) {
        ByteBuf b = framer.frameBuffer();
        CommandInfo cmd = table.lookup(b, framer.argOffset(0), framer.argLength(0));
        if (cmd != null && cmd.subcommands() != null && framer.argc() >= 2) {
            cmd = cmd.subcommands().lookup(b, framer.argOffset(1), framer.argLength(1));
        }
        if (cmd != null && !cmd.arityOk(framer.argc())) {
            cmd = null;
        }
        return cmd;
    }

    @Override
    public void close() {
        framer.reset();
        buffer.release();
    }
}
