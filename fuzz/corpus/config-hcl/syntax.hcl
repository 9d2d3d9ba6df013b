a = <<EOF
  text
EOF
b { c = [1, 2.5, true, {d = "\u00e9"}] }
/* c */ // x
# y
