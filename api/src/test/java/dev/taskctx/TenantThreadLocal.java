package dev.taskctx;

/** An application's own thread-local, and its accessor for {@link TaskContext#register}. */
final class TenantThreadLocal {

    static final ThreadLocal<String> TENANT = new ThreadLocal<>();

    static final CarriedThreadLocal<String> ACCESSOR = new CarriedThreadLocal<>() {
        @Override
        public String read() {
            return TENANT.get();
        }

        @Override
        public void write(String value) {
            TENANT.set(value);
        }

        @Override
        public void clear() {
            TENANT.remove();
        }
    };

    private TenantThreadLocal() {
    }
}
