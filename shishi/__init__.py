"""shishi (实事): runs a district's 为民办实事 programme end to end."""
