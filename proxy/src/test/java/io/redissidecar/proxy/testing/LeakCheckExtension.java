package io.redissidecar.proxy.testing;

import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reports a leaked buffer. Registered for every test class by JUnit's extension
 * auto-detection (see junit-platform.properties); Netty's detector runs at PARANOID (set by surefire and failsafe,
 * root pom.xml), and this replaces its reporting (a log line) with a record that the check reads after a few forced
 * collections.
 */
public final class LeakCheckExtension implements AfterAllCallback {
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    static {
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            @SuppressWarnings("deprecation")
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                        long maxActive) {
                return new ResourceLeakDetector<T>(resource, samplingInterval, maxActive) {
                    @Override
                    protected void reportTracedLeak(String resourceType, String records) {
                        LEAKS.add(resourceType + records);
                        super.reportTracedLeak(resourceType, records);
                    }

                    @Override
                    protected void reportUntracedLeak(String resourceType) {
                        LEAKS.add(resourceType);
                        super.reportUntracedLeak(resourceType);
                    }
                };
            }
        });
    }

    @Override
    public void afterAll(ExtensionContext context) {
        for (int i = 0; i < 5; i++) {
            System.gc();
            // the detector reports collected leaks when it tracks a new buffer
            ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(8);
            b.release();
            ByteBuf h = PooledByteBufAllocator.DEFAULT.heapBuffer(8);
            h.release();
        }
        if (!LEAKS.isEmpty()) {
            String first = LEAKS.get(0);
            LEAKS.clear();
            fail("Netty buffer leak detected in " + context.getDisplayName() + ":\n" + first);
        }
    }
}
