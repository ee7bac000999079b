package dev.jvfio.nvgrace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.device.VfioDevice;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The variant wraps a vfio-pci-core device: every VfioDevice call must reach the variant's own
 * code or the core. A method the interface gives a default (the DMA window notifications, the
 * zero-copy read) would otherwise stop at the variant's inherited default, unseen by the core.
 */
class VariantForwardingTest {
    @Test
    @DisplayName("the variant declares every VfioDevice method, defaults included, so none stops short of the core")
    void variantDeclaresEveryDeviceMethod() {
        List<String> missing = Arrays.stream(VfioDevice.class.getMethods())
                .filter(m -> !Modifier.isStatic(m.getModifiers()))
                .filter(m -> !declares(m))
                .map(Method::getName)
                .toList();
        assertThat(missing)
                .as("VfioDevice methods NvGraceGpuDevice inherits instead of forwarding")
                .isEmpty();
    }

    private static boolean declares(Method m) {
        try {
            return NvGraceGpuDevice.class.getDeclaredMethod(m.getName(), m.getParameterTypes()) != null;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}
