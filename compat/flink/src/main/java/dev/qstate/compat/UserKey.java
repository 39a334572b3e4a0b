package dev.qstate.compat;

import java.util.Objects;

/**
 * A POJO key of the types job. Its hashCode() is value-based and written out by hand, so a client in
 * another language can compute the same hash (ours takes it as {@code pojoSerializer(..., { hashCode })}):
 * {@code 31 * user.hashCode() + bucket}.
 */
public class UserKey {
    public String user;
    public int bucket;

    public UserKey() {}

    UserKey(String user, int bucket) {
        this.user = user;
        this.bucket = bucket;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UserKey k && k.bucket == bucket && Objects.equals(k.user, user);
    }

    @Override
    public int hashCode() {
        return 31 * user.hashCode() + bucket;
    }
}
