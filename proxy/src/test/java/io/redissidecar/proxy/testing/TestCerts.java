package io.redissidecar.proxy.testing;

import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;

/**
 * Certificates made for a test with the {@code openssl} command (Debian's; {@code ./test.sh} installs it when
 * missing): a CA, and certificates it signs for servers and clients, as PEM files in a temporary directory.
 */
public final class TestCerts {
    private final Path dir;

    private TestCerts(Path dir) {
        this.dir = dir;
    }

    /** A new CA named {@code name} in a new directory. */
    public static TestCerts ca(String name) throws IOException {
        TestCerts c = new TestCerts(Files.createTempDirectory("certs-"));
        c.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", c.file(name + ".key"), "-out",
                c.file(name + ".crt"), "-days", "2", "-subj", "/CN=" + name);
        c.caName = name;
        return c;
    }

    private String caName;

    /** The CA certificate's file. */
    public String caFile() {
        return file(caName + ".crt");
    }

    /**
     * A certificate named {@code name} signed by this CA, for the subject alternative names {@code sans} (e.g.
     * {@code IP:127.0.0.1}); {@code name}.crt and {@code name}.key. Made again when called again (a new serial).
     */
    public Pair issue(String name, String... sans) throws IOException {
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", file(name + ".key"), "-out", file(name + ".csr"),
                "-subj", "/CN=" + name);
        Path ext = dir.resolve(name + ".ext");
        Files.writeString(ext, sans.length == 0 ? "basicConstraints=CA:FALSE\n"
                : "subjectAltName=" + String.join(",", sans) + "\n");
        openssl("x509", "-req", "-in", file(name + ".csr"), "-CA", caFile(), "-CAkey", file(caName + ".key"),
                "-CAcreateserial", "-out", file(name + ".crt"), "-days", "2", "-extfile", ext.toString());
        return new Pair(file(name + ".crt"), file(name + ".key"));
    }

    /** A certificate file and its key file. */
    public record Pair(String cert, String key) {
    }

    /** How a test reaches TLS servers: this CA's certificates, the server certificate they use, a client's. */
    public record Access(TestCerts certs, Pair server, Pair client) {
        /** A RESP connection over TLS to 127.0.0.1:{@code port}. */
        public RespConn conn(int port) throws IOException {
            return new RespConn(certs.connect(port, client));
        }

        /** redis.conf's TLS settings (with {@code tls-replication}), for a TLS-only server on {@code port}. */
        public List<String> serverArgs(int port) {
            return List.of("--port", "0", "--tls-port", Integer.toString(port), "--tls-cert-file", server.cert(),
                    "--tls-key-file", server.key(), "--tls-ca-cert-file", certs.caFile(), "--tls-auth-clients", "yes",
                    "--tls-replication", "yes");
        }
    }

    /** A path in this directory. */
    public String file(String name) {
        return dir.resolve(name).toString();
    }

    /** A TLS socket to 127.0.0.1:{@code port} trusting this CA, presenting {@code client} (null: none). */
    public Socket connect(int port, Pair client) throws IOException {
        SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                .trustManager(new File(caFile()));
        if (client != null) {
            b.keyManager(new File(client.cert()), new File(client.key()));
        }
        JdkSslContext ctx = (JdkSslContext) b.build();
        SSLSocket s = (SSLSocket) ctx.context().getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        s.startHandshake();
        return s;
    }

    private void openssl(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("openssl.log")
                .toFile()).start();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("openssl " + String.join(" ", args) + " failed; see " + dir
                        + "/openssl.log");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
