// TLSGateAudit module.
