package io.redissidecar.proxy.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Issue 14 finding: CONFIG GET requirepass gave the backend's password to any client. Patterns as Redis globs. */
class SecretsTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            requirepass         | true
            REQUIREPASS         | true
            *                   | true
            *pass*              | true
            re*                 | true
            m?sterauth          | true
            [mr]*               | true
            [^x]equirepass      | true
            tls-*               | true
            master*             | true
            maxmemory           | false
            port                | false
            max*                | false
            [^r]equirepass      | false
            requirepas          | false
            require\\pass       | true
            """)
    void globsMatchThePasswordParameters(String pattern, boolean secret) {
        assertEquals(secret, Secrets.matchesSecret(pattern.getBytes(StandardCharsets.US_ASCII)), pattern);
    }
}
