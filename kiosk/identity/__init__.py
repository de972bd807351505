"""Identity facts that do not depend on a device: ID-number rules (GB 11643) and regions (GB/T 2260)."""
