// TLSGateHTTP module.
