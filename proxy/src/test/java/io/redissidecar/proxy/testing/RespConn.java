package io.redissidecar.proxy.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A raw RESP test client: sends requests as bytes and returns each reply as the exact bytes received, so tests
 * can compare the proxy with Redis byte for byte.
 */
public final class RespConn implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RespConn(int port) throws IOException {
        this(new Socket("127.0.0.1", port));
    }

    /** Over a socket already connected (a TLS socket, say). */
    public RespConn(Socket connected) throws IOException {
        socket = connected;
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(10_000);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    public static byte[] encode(String... args) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (String a : args) {
            byte[] v = a.getBytes(StandardCharsets.UTF_8);
            b.writeBytes(("$" + v.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            b.writeBytes(v);
            b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        return b.toByteArray();
    }

    public RespConn send(String... args) throws IOException {
        return sendRaw(encode(args));
    }

    public RespConn sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Sends one command and returns its reply as a string of the raw bytes. */
    public String call(String... args) throws IOException {
        send(args);
        return readReply();
    }

    public String readReply() throws IOException {
        return new String(readReplyBytes(), StandardCharsets.UTF_8);
    }

    public byte[] readReplyBytes() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        readInto(b);
        return b.toByteArray();
    }

    private void readInto(ByteArrayOutputStream b) throws IOException {
        String line = readLine(b);
        char type = line.charAt(0);
        switch (type) {
            case '+', '-', ':', '_', ',', '(', '#' -> {
            }
            case '$', '!', '=' -> {
                int n = Integer.parseInt(line.substring(1));
                if (n >= 0) {
                    b.writeBytes(in.readNBytes(n + 2));
                }
            }
            case '*', '~', '>' -> {
                int n = Integer.parseInt(line.substring(1));
                for (int i = 0; i < n; i++) {
                    readInto(b);
                }
            }
            case '%' -> {
                int n = Integer.parseInt(line.substring(1));
                for (int i = 0; i < 2 * n; i++) {
                    readInto(b);
                }
            }
            case '|' -> {
                int n = Integer.parseInt(line.substring(1));
                for (int i = 0; i < 2 * n + 1; i++) { // the attribute's entries, then the value it annotates
                    readInto(b);
                }
            }
            default -> throw new IOException("bad reply line " + line);
        }
    }

    private String readLine(ByteArrayOutputStream b) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed (read so far: " + sb + ")");
            }
            b.write(c);
            if (c == '\r') {
                int lf = in.read();
                b.write(lf);
                return sb.toString();
            }
            sb.append((char) c);
        }
    }

    /** True when the server closed the connection (reads EOF within the socket timeout). */
    public boolean closedByPeer() {
        try {
            return in.read() < 0;
        } catch (IOException e) {
            return true;
        }
    }

    public void setTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
