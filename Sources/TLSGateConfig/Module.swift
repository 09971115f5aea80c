// TLSGateConfig module.
