// TLSGateIO module.
