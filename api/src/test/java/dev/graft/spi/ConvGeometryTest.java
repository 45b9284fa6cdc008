package dev.graft.spi;

import dev.graft.conv.ReferenceConvKernels;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** TF's output-size and padding rules (as documented for tf.nn.convolution), and the refusals. */
class ConvGeometryTest {

    @Test
    void sameWithEvenKernelAndStridePutsTheExtraPaddingAfter() {
        // in 5, k 2, s 2: out ceil(5/2) = 3, total pad (3-1)*2 + 2 - 5 = 1 -> 0 before, 1 after
        ConvGeometry g = ConvGeometry.conv(5, 7, 3, 2, 2, 2, 1, Padding.SAME);
        assertEquals(3, g.outHeight());
        assertEquals(4, g.outWidth());
        assertEquals(0, g.padTop());
        assertEquals(1, g.padBottom());
        assertEquals(0, g.padLeft());
        assertEquals(1, g.padRight());
    }

    @Test
    void sameWithEvenKernelAtStrideOnePadsOneMoreAfter() {
        // in 7, k 4, s 1: out 7, total 3 -> 1 before, 2 after
        ConvGeometry g = ConvGeometry.conv(7, 7, 1, 4, 4, 1, 1, Padding.SAME);
        assertEquals(7, g.outHeight());
        assertEquals(1, g.padTop());
        assertEquals(2, g.padBottom());
    }

    @Test
    void dilationWidensTheWindow() {
        // k 3 at dilation 2 spans 5: VALID on 5x7 gives 1x3, SAME pads 4 (2 + 2)
        ConvGeometry valid = ConvGeometry.conv(5, 7, 3, 3, 3, 1, 2, Padding.VALID);
        assertEquals(1, valid.outHeight());
        assertEquals(3, valid.outWidth());
        ConvGeometry same = ConvGeometry.conv(5, 7, 3, 3, 3, 1, 2, Padding.SAME);
        assertEquals(2, same.padTop());
        assertEquals(2, same.padBottom());
    }

    @Test
    void validNeverPads() {
        ConvGeometry g = ConvGeometry.pool(5, 7, 3, 3, 3, 2, 2, Padding.VALID);
        assertEquals(2, g.outHeight());
        assertEquals(3, g.outWidth());
        assertEquals(0, g.padTop() + g.padBottom() + g.padLeft() + g.padRight());
    }

    @Test
    void largeStrideWithSameNeedsNoPadding() {
        // in 5, k 1, s 3: out 2, total max((2-1)*3 + 1 - 5, 0) = 0
        ConvGeometry g = ConvGeometry.conv(5, 5, 1, 1, 1, 3, 1, Padding.SAME);
        assertEquals(2, g.outHeight());
        assertEquals(0, g.padBottom());
    }

    @Test
    void validKernelLargerThanInputIsRefusedNamingTheGeometry() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConvGeometry.conv(5, 7, 3, 6, 3, 1, 1, Padding.VALID));
        assertTrue(e.getMessage().contains("input 5x7x3, window 6x3"), e.getMessage());
        assertTrue(e.getMessage().contains("'same'"), e.getMessage());
        IllegalArgumentException dilated = assertThrows(IllegalArgumentException.class,
                () -> ConvGeometry.conv(5, 7, 3, 3, 3, 1, 3, Padding.VALID));
        assertTrue(dilated.getMessage().contains("7x7 window"), dilated.getMessage());
    }

    @Test
    void nonPositiveSizesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ConvGeometry.conv(5, 7, 3, 3, 3, 0, 1, Padding.SAME));
        assertThrows(IllegalArgumentException.class, () -> ConvGeometry.conv(0, 7, 3, 3, 3, 1, 1, Padding.SAME));
        assertThrows(IllegalArgumentException.class, () -> new ZeroPadding(1, -1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Padding.parse("full"));
        assertEquals(Padding.SAME, Padding.parse("same"));
    }

    @Test
    void kernelsRefuseArraysOfTheWrongSize() {
        ConvGeometry g = ConvGeometry.conv(5, 7, 3, 3, 3, 1, 1, Padding.SAME);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReferenceConvKernels.conv2d(g, 2, new float[105], new float[27 * 4], 4, null));
        assertTrue(e.getMessage().contains("conv2d input must hold 210 floats"), e.getMessage());
    }
}
