package io.redissidecar.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's configuration reference lists every option with its environment variable and default. */
class ReadmeReferenceTest {

    @Test
    void everyOptionIsDocumented() throws Exception {
        Path readme = Path.of("..", "README.md");
        String text = Files.readString(readme);
        for (OptionSpec o : Options.ALL) {
            String row = text.lines().filter(l -> l.startsWith("| `" + o.flag() + "`")).findFirst().orElse("");
            assertTrue(!row.isEmpty(), "README has no row for " + o.flag());
            assertTrue(row.contains("`" + o.envVar() + "`"), "README row of " + o.flag() + " lacks " + o.envVar());
            if (o.defaultText() != null && !o.key().equals(Options.DENY_COMMANDS)
                    && !o.key().equals(Options.EVENT_LOOP_THREADS)) {
                assertTrue(row.contains("`" + o.defaultText() + "`"), "README row of " + o.flag()
                        + " lacks its default " + o.defaultText());
            }
        }
        for (String denied : Options.DEFAULT_DENY.split(",")) {
            assertTrue(text.contains(denied), "README's default deny list lacks " + denied);
        }
    }
}
