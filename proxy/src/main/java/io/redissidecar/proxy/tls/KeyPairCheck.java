package io.redissidecar.proxy.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import javax.net.ssl.SSLException;

/**
 * Checks that a private key belongs to a certificate, by signing with one and verifying with the other: certificate
 * files are often replaced one at a time (the key first, then the certificate), and a context built in between would
 * fail every handshake. Keys in PKCS#8 PEM ({@code BEGIN PRIVATE KEY}, what openssl 3 writes) are checked; other
 * encodings are left to the TLS library.
 */
final class KeyPairCheck {
    private static final byte[] PROBE = "redis-sidecar key check".getBytes(StandardCharsets.US_ASCII);

    private KeyPairCheck() {
    }

    /** Throws when {@code keyFile} is a PKCS#8 key that does not belong to {@code certFile}'s first certificate. */
    static void requireMatch(String certFile, String keyFile) throws SSLException {
        try {
            String pem = Files.readString(Path.of(keyFile), StandardCharsets.US_ASCII);
            int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
            int end = pem.indexOf("-----END PRIVATE KEY-----");
            if (begin < 0 || end < begin) {
                return;
            }
            byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + 27, end));
            X509Certificate cert;
            try (InputStream in = Files.newInputStream(Path.of(certFile))) {
                cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            }
            PublicKey pub = cert.getPublicKey();
            PrivateKey key = KeyFactory.getInstance(pub.getAlgorithm()).generatePrivate(new PKCS8EncodedKeySpec(der));
            String alg = switch (pub.getAlgorithm()) {
                case "RSA" -> "SHA256withRSA";
                case "EC" -> "SHA256withECDSA";
                default -> null;
            };
            if (alg == null) {
                return;
            }
            Signature sign = Signature.getInstance(alg);
            sign.initSign(key);
            sign.update(PROBE);
            byte[] sig = sign.sign();
            Signature verify = Signature.getInstance(alg);
            verify.initVerify(pub);
            verify.update(PROBE);
            if (!verify.verify(sig)) {
                throw new SSLException("the key in " + keyFile + " does not belong to the certificate in " + certFile);
            }
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new SSLException("cannot read " + certFile + " or " + keyFile + ": " + e.getMessage(), e);
        }
    }
}
