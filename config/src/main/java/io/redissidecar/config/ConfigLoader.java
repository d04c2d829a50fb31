package io.redissidecar.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;

/**
 * Builds a {@link SidecarConfig} from four sources, highest first: command line, {@code REDIS_SIDECAR_*}
 * environment, the YAML file named by {@code --config}, defaults. Every failure is a {@link ConfigException}
 * naming the option, the value and what is allowed.
 */
public final class ConfigLoader {
    private ConfigLoader() {
    }

    /** Where an option's text came from, for error messages. */
    private record Raw(String text, String source) {
    }

    public static SidecarConfig load(String[] args, Map<String, String> env) throws ConfigException {
        Map<String, Raw> cli = parseArgs(args);
        Map<String, Raw> fromEnv = parseEnv(env);
        Raw configPath = cli.containsKey(Options.CONFIG) ? cli.get(Options.CONFIG) : fromEnv.get(Options.CONFIG);
        Map<String, Raw> file = configPath == null ? Map.of() : parseYaml(Path.of(configPath.text()));

        Map<String, Object> values = new LinkedHashMap<>();
        for (OptionSpec spec : Options.ALL) {
            Raw raw = cli.get(spec.key());
            if (raw == null) {
                raw = fromEnv.get(spec.key());
            }
            if (raw == null) {
                raw = file.get(spec.key());
            }
            if (raw == null && spec.defaultText() != null) {
                raw = new Raw(spec.defaultText(), "default");
            }
            if (raw == null) {
                values.put(spec.key(), null);
                continue;
            }
            try {
                values.put(spec.key(), spec.parser().apply(raw.text()));
            } catch (IllegalArgumentException e) {
                String shown = spec.key().endsWith("password") ? "***" : raw.text();
                throw new ConfigException("invalid value '" + shown + "' for " + spec.flag() + " (from "
                        + raw.source() + "): " + e.getMessage());
            }
        }
        readSecret(values, Options.BACKEND_PASSWORD, Options.BACKEND_PASSWORD_FILE);
        readSecret(values, Options.CLIENT_PASSWORD, Options.CLIENT_PASSWORD_FILE);
        readSecret(values, Options.SENTINEL_PASSWORD, Options.SENTINEL_PASSWORD_FILE);
        SidecarConfig config = new SidecarConfig(values);
        validate(config);
        return config;
    }

    /**
     * Puts the content of the {@code fileKey} option's file, when set, as the value of {@code key}: the file holds
     * the password alone, a final line break is not part of it (as {@code echo} or a Kubernetes Secret writes it).
     * The password never appears in an error.
     */
    private static void readSecret(Map<String, Object> values, String key, String fileKey) throws ConfigException {
        String file = (String) values.get(fileKey);
        if (file == null) {
            return;
        }
        if (values.get(key) != null) {
            throw new ConfigException("--" + key + " and --" + fileKey + " are both set: give one");
        }
        String text;
        try {
            text = new String(BoundedFiles.read(Path.of(file), 64 * 1024), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            throw new ConfigException("cannot read --" + fileKey + " " + file + " (" + e.getClass().getSimpleName()
                    + ")");
        }
        if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - (text.endsWith("\r\n") ? 2 : 1));
        }
        if (text.isEmpty()) {
            throw new ConfigException("--" + fileKey + " " + file + " is empty");
        }
        values.put(key, text);
    }

    private static void validate(SidecarConfig c) throws ConfigException {
        if (c.tlsPort() > 0 && (c.tlsCertFile() == null || c.tlsKeyFile() == null)) {
            throw new ConfigException("--tls-port needs --tls-cert-file and --tls-key-file");
        }
        if (c.tlsPort() > 0 && !"no".equals(c.tlsAuthClients()) && c.tlsCaCertFile() == null) {
            throw new ConfigException("--tls-auth-clients " + c.tlsAuthClients() + " needs --tls-ca-cert-file (the CA "
                    + "client certificates are checked against); or set --tls-auth-clients no");
        }
        if (!c.listenPlain() && c.tlsPort() == 0) {
            throw new ConfigException("--listen-plain no needs --tls-port: the proxy would not listen at all");
        }
        if ((c.backendTlsCertFile() == null) != (c.backendTlsKeyFile() == null)) {
            throw new ConfigException("--backend-tls-cert-file and --backend-tls-key-file go together");
        }
        if (c.mode() == Mode.STATIC && c.backends().isEmpty()) {
            throw new ConfigException("missing value for --backends (REDIS_SIDECAR_BACKENDS or 'backends:' in the "
                    + "config file): --mode static needs at least one HOST:PORT");
        }
        if (c.mode() == Mode.SENTINEL && (c.sentinels().isEmpty() || c.masterName() == null)) {
            throw new ConfigException("--mode sentinel needs --sentinels HOST:PORT[,...] and --master-name NAME "
                    + "(or REDIS_SIDECAR_SENTINELS and REDIS_SIDECAR_MASTER_NAME, or 'sentinels:' and 'master-name:' "
                    + "in the config file)");
        }
        if (c.mode() == Mode.CLUSTER && c.clusterSeeds().isEmpty()) {
            throw new ConfigException("missing value for --cluster-seeds (REDIS_SIDECAR_CLUSTER_SEEDS or "
                    + "'cluster-seeds:' in the config file): --mode cluster needs at least one HOST:PORT");
        }
        if (c.backendUsername() != null && c.backendPassword() == null) {
            throw new ConfigException("--backend-username needs --backend-password");
        }
    }

    private static Map<String, Raw> parseArgs(String[] args) throws ConfigException {
        Map<String, Raw> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new ConfigException("unexpected argument '" + a + "': options are --name value; see --help");
            }
            String key = a.substring(2);
            String value;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new ConfigException("option --" + key + " needs a value");
            }
            if (Options.byKey(key) == null) {
                throw new ConfigException("unknown option --" + key + "; known options: " + knownKeys());
            }
            out.put(key, new Raw(value, "command line"));
        }
        return out;
    }

    private static Map<String, Raw> parseEnv(Map<String, String> env) {
        Map<String, Raw> out = new LinkedHashMap<>();
        for (OptionSpec spec : Options.ALL) {
            String v = env.get(spec.envVar());
            if (v != null) {
                out.put(spec.key(), new Raw(v, "environment " + spec.envVar()));
            }
        }
        return out;
    }

    private static Map<String, Raw> parseYaml(Path path) throws ConfigException {
        Object doc;
        try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            doc = new Load(LoadSettings.builder().build()).loadFromReader(r);
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + path + ": " + e.getMessage());
        } catch (MarkedYamlEngineException e) {
            // the problem and where, never the parser's snippet of the line: it may be a password
            String where = e.getProblemMark().map(m -> " at line " + (m.getLine() + 1) + ", column "
                    + (m.getColumn() + 1)).orElse("");
            throw new ConfigException("config file " + path + " is not valid YAML: " + e.getProblem() + where);
        } catch (RuntimeException e) {
            throw new ConfigException("config file " + path + " is not valid YAML (" + e.getClass().getSimpleName()
                    + ")");
        }
        Map<String, Raw> out = new LinkedHashMap<>();
        if (doc == null) {
            return out;
        }
        if (!(doc instanceof Map<?, ?> map)) {
            throw new ConfigException("config file " + path + " must be a YAML mapping of option: value");
        }
        String source = "config file " + path;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = String.valueOf(e.getKey());
            if (Options.byKey(key) == null || Options.CONFIG.equals(key)) {
                throw new ConfigException("unknown key '" + key + "' in " + source + "; known keys: " + knownKeys());
            }
            Object v = e.getValue();
            String text;
            if (v instanceof List<?> list) {
                List<String> parts = new ArrayList<>();
                for (Object o : list) {
                    parts.add(String.valueOf(o));
                }
                // a user's rules may hold commas (a password): users are one per line
                text = String.join(Options.USERS.equals(key) ? "\n" : ",", parts);
            } else if (v == null) {
                text = "";
            } else if (v instanceof Map<?, ?>) {
                throw new ConfigException("invalid value for " + key + " in " + source
                        + ": must be a scalar or a list");
            } else {
                text = String.valueOf(v);
            }
            out.put(key, new Raw(text, source));
        }
        return out;
    }

    private static String knownKeys() {
        return Options.ALL.stream().map(OptionSpec::key).collect(Collectors.joining(", "));
    }

    /** The {@code --help} text: every option with its default and environment variable. */
    public static String help() {
        StringBuilder sb = new StringBuilder("usage: java -jar redis-sidecar.jar [--option value ...]\n"
                + "precedence: command line > REDIS_SIDECAR_* environment > --config YAML file > default\n\n");
        for (OptionSpec o : Options.ALL) {
            sb.append(String.format("  %-28s %s%n", o.flag() + " ", o.description()));
            sb.append(String.format("  %-28s env %s%s%n", "", o.envVar(),
                    o.defaultText() == null ? "" : ", default " + o.defaultText()));
        }
        return sb.toString();
    }
}
