# Planetary on the ThreeFold grid: one VM per node, booted from the Planetary flist by zinit.
terraform {
  required_providers {
    grid = {
      source = "threefoldtech/grid"
    }
  }
}

provider "grid" {
  mnemonics = var.mnemonics
  network   = var.network
}

locals {
  # The first VM is the chain's validator: zinit's chaind-init makes a dev chain there on its first
  # start, its RPC on the grid network. Every VM's pnicd and twind find twins on it.
  chain_rpc = "${var.first_ip}:26657"
}

resource "grid_network" "planetary" {
  name          = "planetary"
  description   = "Planetary PNICs"
  nodes         = var.nodes
  ip_range      = "10.40.0.0/16"
  add_wg_access = false
}

resource "grid_deployment" "pnic" {
  count        = length(var.nodes)
  node         = var.nodes[count.index]
  network_name = grid_network.planetary.name

  disks {
    name = "state"
    size = var.disk_gb
  }

  vms {
    name       = "pnic${count.index}"
    flist      = var.flist
    entrypoint = "/sbin/zinit init"
    cpu        = var.cpu
    memory     = var.memory_mb
    planetary  = true
    mounts {
      disk_name   = "state"
      mount_point = "/var/lib/planetary"
    }
    # Read by the zinit services of the flist (images/rootfs/etc/zinit).
    env_vars = {
      # Every PNIC peers the first one over the grid network (add more --peer for more paths) and
      # resolves twins through the chain.
      PNICD_ARGS = count.index == 0 ? "--chain http://${local.chain_rpc}" : "--peer quic://${var.first_ip}:9651 --chain http://${local.chain_rpc}"
      # chaind runs on the first VM only; the others idle it.
      CHAIND     = count.index == 0 ? "on" : "off"
      CHAIND_RPC = local.chain_rpc
      # The owner's twin registers and finds twins on the chain; its web UI stays on loopback.
      TWIND_ARGS = "--chain http://${local.chain_rpc}"
      # A pinning node on every VM (var.pind), registered with the chain under the VM's name with
      # the storage it offers and its prices.
      PIND      = var.pind ? "on" : "off"
      PIND_ARGS = "--chain http://${local.chain_rpc} --name pnic${count.index} --capacity ${var.pin_capacity} --price-storage ${var.pin_price_storage} --price-served ${var.pin_price_served}"
    }
  }
}

output "pnic_ips" {
  value = [for d in grid_deployment.pnic : d.vms[0].ip]
}
