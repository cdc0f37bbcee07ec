/* libbcc includes it; the BPF side needs nothing from it. */
