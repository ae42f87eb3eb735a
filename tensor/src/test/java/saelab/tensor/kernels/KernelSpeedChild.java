package saelab.tensor.kernels;

/** Prints one {@link KernelSpeed} measurement (fellBack, then the warning line) for {@link KernelSpeedTest}'s child JVM. */
public final class KernelSpeedChild {
    private KernelSpeedChild() {}

    public static void main(String[] args) {
        KernelSpeed.Probe p = KernelSpeed.measure();
        System.out.println(p.fellBack());
        System.out.println(p.warning());
        System.out.println(p.summary());
    }
}
