"""Enterprise functions: provisioning, skills, progress and training ROI for organizations."""
