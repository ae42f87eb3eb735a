package saelab.tornado;

import saelab.tensor.backend.Backend;
import saelab.tensor.backend.BackendProvider;
import saelab.tensor.backend.BackendUnavailableException;
import saelab.tensor.backend.Backends;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.TornadoDeviceType;
import uk.ac.manchester.tornado.api.runtime.TornadoRuntimeProvider;

/**
 * Offers "tornado" to {@link Backends#select}. Loading this class touches nothing of TornadoVM;
 * {@link #open} asks TornadoVM's runtime for its default device, which fails (and is reported with
 * what to do) when the JVM was started without TornadoVM's flags or no OpenCL/PTX device exists.
 */
public final class TornadoBackendProvider implements BackendProvider {
    @Override public String name() {
        return "tornado";
    }

    @Override public Backend open() throws BackendUnavailableException {
        return TornadoBackend.open(TornadoBackend.DEFAULT_MIN_VOLUME);
    }

    /** TornadoVM's default device: what to call it, and whether it is the host CPU (PoCL and the like). */
    record Device(String description, boolean hostCpu) {}

    /** The default device, or why there is none. */
    static Device probe() throws BackendUnavailableException {
        // By default TornadoVM silently runs a kernel it failed to compile as plain sequential Java
        // ("bailout"); a backend must fail loudly instead. Read when its runtime starts, i.e. below.
        if (System.getProperty("tornado.recover.bailout") == null) System.setProperty("tornado.recover.bailout", "False");
        // TornadoVM's per-graph bytecode buffer (4 KB by default) overflows on the resident training
        // step's 40 tasks, and the overflow surfaces only as that bailout; 64 KB holds it with room.
        if (System.getProperty("tornado.tvm.maxbytecodesize") == null) System.setProperty("tornado.tvm.maxbytecodesize", "65536");
        try {
            TornadoDevice dev = TornadoRuntimeProvider.getTornadoRuntime().getDefaultDevice();
            if (dev == null) throw new BackendUnavailableException("TornadoVM found no device (tornado --devices lists them)");
            return new Device(dev.getTornadoVMBackend() + " " + dev.getPhysicalDevice().getDeviceName()
                    + " [" + dev.getPlatformName() + "] via TornadoVM",
                    dev.getDeviceType() == TornadoDeviceType.CPU);
        } catch (BackendUnavailableException e) {
            throw e;
        } catch (RuntimeException | LinkageError e) {
            String home = System.getenv("TORNADOVM_HOME") != null ? System.getenv("TORNADOVM_HOME") : System.getenv("TORNADO_SDK");
            throw new BackendUnavailableException("TornadoVM is not usable in this JVM (" + e + "). It needs a TornadoVM "
                    + "installation (" + Backends.TORNADO_DOCS + "), TORNADOVM_HOME pointing at it"
                    + (home == null ? " (not set)" : " (set to " + home + ")")
                    + ", and the JVM started with the flags 'tornado --printJavaFlags' prints (./saelab adds them).", e);
        }
    }
}
