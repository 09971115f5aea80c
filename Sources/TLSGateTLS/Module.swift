// TLSGateTLS module.
