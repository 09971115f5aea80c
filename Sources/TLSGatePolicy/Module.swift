// TLSGatePolicy module.
