variable "mnemonics" {
  type        = string
  sensitive   = true
  description = "Account mnemonics that pay for the deployment."
}

variable "network" {
  type        = string
  default     = "main"
  description = "Grid network: main, test, qa or dev."
}

variable "nodes" {
  type        = list(number)
  description = "Grid node ids, one VM each."
}

variable "flist" {
  type        = string
  description = "The Planetary flist, from images/out/planetary-rootfs.tar.gz converted on the hub."
}

variable "first_ip" {
  type        = string
  default     = "10.40.2.2"
  description = "Grid-network address of the first VM, which the others peer."
}

variable "cpu" {
  type    = number
  default = 1
}

variable "memory_mb" {
  type    = number
  default = 1024
}

variable "disk_gb" {
  type    = number
  default = 10
}

variable "pind" {
  type        = bool
  default     = true
  description = "Run a pinning node (pind) on every VM."
}

variable "pin_capacity" {
  type        = string
  default     = "5GiB"
  description = "Storage each pind offers the chain, in bytes or with KiB, MiB, GiB, TiB; within disk_gb."
}

variable "pin_price_storage" {
  type        = number
  default     = 1000
  description = "pind's storage price in chain units per GiB-month."
}

variable "pin_price_served" {
  type        = number
  default     = 100
  description = "pind's price of bytes served in chain units per GiB."
}
