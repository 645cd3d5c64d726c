"""Enterprise services (issue 18, being built; docs/enterprise.md): the policy
library, the enterprise register, matching with reasons, push, and enterprise service
requests. The pure parts come first: the GB/T 4754-2017 industry codes (``industry``) and
the 大中小微 size standard (``size``)."""
