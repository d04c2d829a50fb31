package io.redissidecar.config;

import java.util.Locale;
import java.util.function.Function;

/**
 * One configuration option: its YAML key (kebab-case), the matching {@code --key} flag and
 * {@code REDIS_SIDECAR_KEY} environment variable, its default and how its text becomes a value.
 *
 * @param key         YAML key and CLI flag name without dashes, e.g. {@code max-clients}
 * @param defaultText default as it would be written, or {@code null} when the option has none
 * @param parser      turns text into the typed value; throws {@link IllegalArgumentException} whose
 *                    message says what is allowed
 * @param description one line for {@code --help} and the README
 */
public record OptionSpec(String key, String defaultText, Function<String, Object> parser, String description) {

    public String flag() {
        return "--" + key;
    }

    public String envVar() {
        return "REDIS_SIDECAR_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }
}
