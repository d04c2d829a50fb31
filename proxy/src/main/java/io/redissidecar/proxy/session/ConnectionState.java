package io.redissidecar.proxy.session;

import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.acl.AclUser;
import io.redissidecar.proxy.acl.AclUsers;
import io.redissidecar.proxy.routing.Router;

/**
 * The state Redis keeps per connection, kept by the proxy per client: database, name, authentication, and where the
 * client stands in a transaction or in pub/sub. {@link Router}, {@link Emulator} and the session read it; the session
 * and the emulator change it.
 */
public final class ConnectionState implements Router.State {
    /** The client's id (CLIENT ID, HELLO), unique in this proxy. */
    public final long id;
    public final long createdAtMillis = System.currentTimeMillis();

    int db;
    /** The RESP version the client speaks (HELLO 3 switches to 3; RESET back to 2). */
    int proto = 2;
    byte[] name;
    boolean authed;
    /** The user the client acts as ({@code default} until it logs in as another). */
    AclUser user;
    /** SHA-256 (hex) of the password the client logged in with; null when none was needed (nopass). */
    String passwordHash;
    /** The user name of the last failed AUTH of the request being answered ({@code (unknown)} for no user). */
    String authFailure;
    /** The user name the last failed AUTH gave, as given (for ACL LOG). */
    String authFailureName;
    boolean inMulti;
    boolean watching;
    /** A command was refused while queueing a transaction: its EXEC aborts it, as Redis does. */
    boolean txDirty;
    /** Why the transaction's EXEC was refused (an ACL denial of EXEC itself), for its EXECABORT; else null. */
    String execAbort;
    static final String EXECABORT_BECAUSE = "EXECABORT Transaction discarded because of: ";
    /** Subscribed: the client's private connection is its own connection (pub/sub pass-through). */
    boolean passthrough;
    /** MONITOR was sent: the pass-through connection streams Redis's feed; it is not moved when lost. */
    boolean monitoring;
    /** RESET was sent in pass-through mode and Redis has not confirmed it yet. */
    boolean awaitingReset;
    /** Cluster mode: MULTI was answered by the proxy and waits for the transaction's first key to be sent. */
    boolean multiPending;
    /** Cluster mode: the node a transaction or WATCH is pinned to. */
    HostPort txNode;

    ConnectionState(long id, AclUsers users) {
        this.id = id;
        loggedOut(users);
    }

    /** As a new connection: the default user, logged in when it needs no password (as Redis does). */
    private void loggedOut(AclUsers users) {
        user = users.defaultUser();
        passwordHash = null;
        authed = !users.authRequired();
    }

    /** The user whose name the client's requests act under (CLIENT LIST's user=). */
    public String userName() {
        return user.name();
    }

    @Override
    public boolean inMulti() {
        return inMulti;
    }

    @Override
    public boolean watching() {
        return watching;
    }

    @Override
    public boolean passthrough() {
        return passthrough;
    }

    /** In a transaction or watching keys: the client's requests go to its private connection. */
    boolean pinned() {
        return inMulti || watching;
    }

    /**
     * Applies MULTI, WATCH, UNWATCH, EXEC or DISCARD, sent to Redis. Returns true when it is an EXEC that must abort
     * (a command was refused while queueing).
     */
    boolean afterTransactionCommand(String command) {
        switch (command) {
            case "multi" -> inMulti = true;
            case "watch" -> watching = !inMulti || watching;
            case "unwatch" -> watching = inMulti && watching;
            case "exec", "discard" -> {
                boolean abort = inMulti && txDirty && command.equals("exec");
                if (inMulti) {
                    endTransaction();
                }
                return abort;
            }
            default -> {
            }
        }
        return false;
    }

    /** The transaction and the keys it watched are over. */
    void endTransaction() {
        inMulti = false;
        watching = false;
        txDirty = false;
        execAbort = null;
    }

    /** RESET: back to a new connection's state (subscriptions are cleared by the caller). */
    void reset(AclUsers users) {
        monitoring = false;
        db = 0;
        proto = 2;
        name = null;
        endTransaction();
        loggedOut(users);
    }
}
