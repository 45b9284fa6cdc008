package dev.graft.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The live-buffer bookkeeping that decides what the backend frees, with a recording free function. */
class CudaMemoryLedgerTest {

    @Test
    void tracksCountBytesAndPeak() {
        CudaMemoryLedger ledger = new CudaMemoryLedger();
        ledger.add(0x1000, 400);
        ledger.add(0x2000, 100);
        assertEquals(2, ledger.liveCount());
        assertEquals(500, ledger.liveBytes());
        assertTrue(ledger.remove(0x1000));
        assertEquals(100, ledger.liveBytes());
        ledger.add(0x3000, 50);
        assertEquals(150, ledger.liveBytes());
        assertEquals(500, ledger.peakBytes());
    }

    @Test
    void secondRemoveReportsAlreadyFreed() {
        CudaMemoryLedger ledger = new CudaMemoryLedger();
        ledger.add(0x1000, 4);
        assertTrue(ledger.remove(0x1000));
        assertFalse(ledger.remove(0x1000), "a buffer closed twice must not be freed twice");
        assertFalse(ledger.remove(0x9999));
    }

    @Test
    void closeAllFreesWhatIsLeftNewestFirstAndOnlyOnce() {
        CudaMemoryLedger ledger = new CudaMemoryLedger();
        ledger.add(0x1000, 4);
        ledger.add(0x2000, 8);
        ledger.add(0x3000, 16);
        assertTrue(ledger.remove(0x2000)); // closed by its owner before the backend
        List<Long> freed = new ArrayList<>();
        assertEquals(2, ledger.closeAll(freed::add));
        assertEquals(List.of(0x3000L, 0x1000L), freed);
        assertEquals(0, ledger.liveCount());
        assertEquals(0, ledger.liveBytes());
        // A buffer closed after its backend: nothing left to free.
        assertFalse(ledger.remove(0x1000));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ledger.add(0x4000, 4));
        assertTrue(e.getMessage().contains("closed"));
    }

    @Test
    void closeAllKeepsFreeingAfterAFailure() {
        CudaMemoryLedger ledger = new CudaMemoryLedger();
        ledger.add(0x1000, 4);
        ledger.add(0x2000, 4);
        ledger.add(0x3000, 4);
        List<Long> freed = new ArrayList<>();
        RuntimeException e = assertThrows(RuntimeException.class, () -> ledger.closeAll(address -> {
            freed.add(address);
            if (address != 0x2000) {
                throw new IllegalStateException("free failed at " + Long.toHexString(address));
            }
        }));
        assertEquals(List.of(0x3000L, 0x2000L, 0x1000L), freed);
        assertEquals("free failed at 3000", e.getMessage());
        assertEquals(1, e.getSuppressed().length);
    }

    @Test
    void rejectsDuplicateAndNullAddresses() {
        CudaMemoryLedger ledger = new CudaMemoryLedger();
        ledger.add(0x1000, 4);
        assertThrows(IllegalStateException.class, () -> ledger.add(0x1000, 4));
        assertThrows(IllegalArgumentException.class, () -> ledger.add(0, 4));
        assertEquals(4, ledger.liveBytes());
    }
}
