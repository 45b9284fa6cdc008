package dev.graft.cuda;

import static dev.graft.cuda.CudaCheck.check;

import dev.graft.cuda.CudaStatus.Api;
import java.nio.FloatBuffer;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Pinned (page-locked) host buffers through which host arrays travel to and from the GPU. Uploads
 * alternate between two slots: filling one slot on the CPU overlaps the other slot's copy and the
 * kernels already queued on the stream, and an event per slot says when it may be refilled.
 * Downloads wait for the stream (the caller needs the values). Large transfers go in slot-sized
 * chunks, so the pinned footprint stays fixed.
 */
final class CudaStaging implements AutoCloseable {

    /** Floats per slot: 4 MiB, large enough for a batch of a few hundred wide rows in one copy. */
    static final int SLOT_FLOATS = 1 << 20;

    private final CUstream_st stream;
    private final FloatPointer[] slots = new FloatPointer[2];
    private final FloatBuffer[] views = new FloatBuffer[2];
    private final CUevent_st[] ready = new CUevent_st[2];
    private final CudaDevicePointer device = new CudaDevicePointer();
    private int next;

    CudaStaging(CUstream_st stream) {
        this.stream = stream;
        try {
            for (int i = 0; i < 2; i++) {
                Pointer raw = new Pointer();
                check(Api.CUDART, cudart.cudaMallocHost(raw, 4L * SLOT_FLOATS), "cudaMallocHost(" + 4L * SLOT_FLOATS + " bytes)");
                slots[i] = new FloatPointer(raw).capacity(SLOT_FLOATS).limit(SLOT_FLOATS);
                views[i] = slots[i].asBuffer();
                ready[i] = new CUevent_st();
                check(Api.CUDART, cudart.cudaEventCreateWithFlags(ready[i], cudart.cudaEventDisableTiming), "cudaEventCreateWithFlags");
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Queues a copy of {@code src[offset..offset+length)} to {@code dstAddress}; returns before the copy ends. */
    void upload(float[] src, int offset, int length, long dstAddress) {
        for (int done = 0; done < length; ) {
            int n = Math.min(SLOT_FLOATS, length - done);
            int s = acquire();
            slots[s].put(src, offset + done, n);
            send(s, n, dstAddress + 4L * done);
            done += n;
        }
    }

    /** Queues a copy of {@code src}'s remaining floats to {@code dstAddress}; {@code src}'s position is not moved. */
    void upload(FloatBuffer src, long dstAddress) {
        FloatBuffer from = src.duplicate();
        long written = 0;
        while (from.hasRemaining()) {
            int n = Math.min(SLOT_FLOATS, from.remaining());
            int s = acquire();
            FloatBuffer view = views[s];
            view.clear();
            FloatBuffer part = from.slice();
            part.limit(n);
            view.put(part);
            from.position(from.position() + n);
            send(s, n, dstAddress + 4L * written);
            written += n;
        }
    }

    /** Copies {@code length} floats at {@code srcAddress} into {@code dst[offset..]}, waiting for the stream. */
    void download(long srcAddress, float[] dst, int offset, int length) {
        for (int done = 0; done < length; ) {
            int n = Math.min(SLOT_FLOATS, length - done);
            int s = acquire();
            check(Api.CUDART, cudart.cudaMemcpyAsync(slots[s], device.at(srcAddress + 4L * done), 4L * n,
                    cudart.cudaMemcpyDeviceToHost, stream), "cudaMemcpyAsync(device to host, " + 4L * n + " bytes)");
            check(Api.CUDART, cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize (after download)");
            slots[s].get(dst, offset + done, n);
            done += n;
        }
    }

    /** Picks the next slot and waits until the copy last queued from it has finished. */
    private int acquire() {
        int s = next;
        next = 1 - next;
        check(Api.CUDART, cudart.cudaEventSynchronize(ready[s]), "cudaEventSynchronize (staging slot)");
        return s;
    }

    private void send(int s, int n, long dstAddress) {
        check(Api.CUDART, cudart.cudaMemcpyAsync(device.at(dstAddress), slots[s], 4L * n, cudart.cudaMemcpyHostToDevice, stream),
                "cudaMemcpyAsync(host to device, " + 4L * n + " bytes)");
        check(Api.CUDART, cudart.cudaEventRecord(ready[s], stream), "cudaEventRecord (staging slot)");
    }

    @Override
    public void close() {
        for (int i = 0; i < 2; i++) {
            if (ready[i] != null && !ready[i].isNull()) {
                cudart.cudaEventDestroy(ready[i]);
            }
            ready[i] = null;
            if (slots[i] != null) {
                cudart.cudaFreeHost(slots[i]);
                slots[i] = null;
            }
        }
    }
}
