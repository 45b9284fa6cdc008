package dev.graft.spi;

/**
 * A provider's answer to "can you run here?", with the reason when it cannot (a missing native
 * library, no GPU, an unsupported platform) so that discovery can log why it was skipped.
 */
public record Availability(boolean available, String reason) {

    public static Availability yes(String detail) {
        return new Availability(true, detail);
    }

    public static Availability no(String reason) {
        return new Availability(false, reason);
    }
}
