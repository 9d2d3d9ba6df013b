"sftpd.bind_port" = 2222
"sftpd.bind_address" = "127.0.0.1"
"sftpd.idle_timeout" = 30
"sftpd.max_auth_tries" = 4
"sftpd.umask" = "0027"
"sftpd.banner" = "Hello"
"sftpd.upload_mode" = 1
"sftpd.setstat_mode" = 1
"sftpd.kex_algorithms" = ["curve25519-sha256"]
"sftpd.enabled_ssh_commands" = ["md5sum", "cd"]
"sftpd.actions.execute_on" = ["upload", "delete"]
"sftpd.actions.command" = "/bin/true"
data_provider {
  name = "sftpgo.db"
  port = 5433
  users_table = "users"
  track_quota = 2
  pool_size = 3
}
"httpd.bind_port" = 8081
