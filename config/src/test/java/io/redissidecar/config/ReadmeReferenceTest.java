package io.redissidecar.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    }

    private static final String BEGIN = "<!-- default deny list: generated from Options.DEFAULT_DENY_LIST -->\n";
    private static final String END = "<!-- end of the default deny list -->\n";

    /**
     * The README's table of the default deny list is the code's list, rendered. Run with {@code -Dreadme.update=true}
     * to write it into the README after changing the list.
     */
    @Test
    void defaultDenyListIsGeneratedFromTheCode() throws Exception {
        Path readme = Path.of("..", "README.md");
        String text = Files.readString(readme);
        StringBuilder table = new StringBuilder("| command | why it is refused by default |\n|---|---|\n");
        for (Options.Denied d : Options.DEFAULT_DENY_LIST) {
            table.append("| `").append(d.command().replace("|", "\\|")).append("` | ").append(d.why())
                    .append(" |\n");
        }
        int b = text.indexOf(BEGIN);
        int e = text.indexOf(END);
        assertTrue(b >= 0 && e > b, "README lacks the markers of the default deny list");
        String generated = text.substring(0, b + BEGIN.length()) + table + text.substring(e);
        if (Boolean.getBoolean("readme.update")) {
            Files.writeString(readme, generated);
        }
        assertEquals(generated, text, "README's default deny list differs from Options.DEFAULT_DENY_LIST; run "
                + "mvn -pl config test -Dtest=ReadmeReferenceTest -Dreadme.update=true");
    }
}
