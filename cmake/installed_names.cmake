cmake_minimum_required(VERSION 3.18)
# Rewrites a man page or a bash completion file for tools installed under
# other names (the Debian package's "tcpconnect-socklens"): every command
# word naming one of the tools gets SUFFIX; header names (<socklens/x.h>),
# C identifiers (x_event, _x) and other packages' names (x-bpfcc) stay.
# cmake -DIN=file -DOUT=file -DTOOLS=a,b -DSUFFIX=-socklens -P installed_names.cmake
# In a man page the suffix's hyphen is written \- so that a copied command
# keeps an ASCII hyphen-minus.
file(READ "${IN}" text)
string(REPLACE "," ";" TOOLS "${TOOLS}")
set(suffix "${SUFFIX}")
if(IN MATCHES "\\.[1-9]$")
  string(REPLACE "-" "\\-" suffix "${SUFFIX}")
endif()
foreach(t IN LISTS TOOLS)
  string(REPLACE "${t}.h" "@@HEADER_${t}@@" text "${text}")
  # Twice: adjacent names share the separator a match consumes.
  foreach(pass 1 2)
    string(REGEX REPLACE "(^|[^A-Za-z0-9_/\\\\-])${t}($|[^A-Za-z0-9_@\\\\-])"
           "\\1${t}@@SUFFIX@@\\2" text "${text}")
  endforeach()
  string(REPLACE "@@HEADER_${t}@@" "${t}.h" text "${text}")
endforeach()
string(REPLACE "@@SUFFIX@@" "${suffix}" text "${text}")
# The page's title line: .TH TCPCONNECT 8 ... becomes .TH TCPCONNECT-SOCKLENS 8
string(TOUPPER "${suffix}" suffix_upper)
foreach(t IN LISTS TOOLS)
  string(TOUPPER "${t}" t_upper)
  string(REPLACE ".TH ${t_upper} " ".TH ${t_upper}${suffix_upper} " text "${text}")
endforeach()
file(WRITE "${OUT}" "${text}")
