package io.redissidecar.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Netty's leak detection: off in the proxy's process unless the JVM options ask for it (the tests run paranoid). */
class MainDefaultsTest {
    private String level;
    private String older;

    @BeforeEach
    void save() {
        level = System.getProperty(Main.LEAK_DETECTION);
        older = System.getProperty("io.netty.leakDetectionLevel");
    }

    @AfterEach
    void restore() {
        set(Main.LEAK_DETECTION, level);
        set("io.netty.leakDetectionLevel", older);
    }

    @Test
    void leakDetectionIsOffUnlessAskedFor() {
        set(Main.LEAK_DETECTION, null);
        set("io.netty.leakDetectionLevel", null);
        Main.nettyDefaults();
        assertEquals("disabled", System.getProperty(Main.LEAK_DETECTION));
    }

    @Test
    void aLevelGivenInTheJvmOptionsStays() {
        set(Main.LEAK_DETECTION, "advanced");
        Main.nettyDefaults();
        assertEquals("advanced", System.getProperty(Main.LEAK_DETECTION));
        set(Main.LEAK_DETECTION, null);
        set("io.netty.leakDetectionLevel", "simple");
        Main.nettyDefaults();
        assertEquals(null, System.getProperty(Main.LEAK_DETECTION), "Netty's older name counts too");
    }

    private static void set(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
